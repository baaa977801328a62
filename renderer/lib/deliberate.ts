/**
 * Rules that make an approval deliberate: what a person reviewed is what is signed, and no
 * reflex (a held key, a double-click, a click that was meant for the button before) can
 * confirm. Pure helpers and one hook; the dialogs use them.
 */
import { useEffect, useState } from 'react';
import type { PendingItem, ProfileView, ReviewedItem } from '../../src/approver/api.ts';
import { isSameReviewed, reviewedOf } from '../../src/approver/display.ts';
import { formatTime } from './time.ts';

/** How long the confirm control ignores input after the dialog opens. */
export const ARMING_DELAY_MS = 1000;
/** How long the decision buttons of a freshly opened detail view ignore pointer input (a double-click's second click). */
export const VIEW_SETTLE_MS = 600;

/** False for `delayMs` after mount, then true: the control is armed. */
export function useArmed(delayMs: number): boolean {
  const [armed, setArmed] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setArmed(true), delayMs);
    return () => clearTimeout(timer);
  }, [delayMs]);
  return armed;
}

const FIELD_NAMES: Record<keyof ReviewedItem, string> = {
  approvalId: 'approval id',
  teamId: 'team',
  receiptId: 'receipt',
  actionHash: 'action (hash)',
  operatorKeyId: 'operator key',
  policyVersion: 'policy version',
  ruleId: 'rule',
  challenge: 'challenge',
  expiresAt: 'expiry',
};

/** The bound fields whose values differ, named for people. */
export function changedFields(reviewed: ReviewedItem, now: ReviewedItem): string[] {
  return (Object.keys(FIELD_NAMES) as (keyof ReviewedItem)[])
    .filter((key) => reviewed[key] !== now[key])
    .map((key) => FIELD_NAMES[key]);
}

export function isExpired(item: PendingItem, now: number): boolean {
  return Date.parse(item.approval.expiresAt) <= now;
}

/**
 * Why an open decision dialog must close before anything is signed, or null while the live
 * item still carries exactly what the person reviewed.
 */
export function reasonToClose(reviewed: ReviewedItem, live: PendingItem | null, now: number): string | null {
  if (!live) {
    return 'This approval left your queue while the dialog was open (decided elsewhere, withdrawn or expired).';
  }
  if (live.quarantined) {
    return `This approval was quarantined while the dialog was open: ${live.verification.reasons.join('; ') || 'it failed verification on this device'}.`;
  }
  const current = reviewedOf(live);
  if (!isSameReviewed(reviewed, current)) {
    return `This approval changed while the dialog was open (${changedFields(reviewed, current).join(', ')} differ from what you reviewed).`;
  }
  if (Date.parse(reviewed.expiresAt) <= now) {
    return `This approval expired at ${formatTime(reviewed.expiresAt)} while the dialog was open.`;
  }
  return null;
}

/** Why this profile cannot sign decisions at all right now, or null when its key is active. */
export function keyBlockReason(profile: ProfileView | null): string | null {
  if (!profile) return 'No approver profile is set up on this device.';
  switch (profile.keyStatus) {
    case 'active':
      return null;
    case 'pending':
      return `Your approver key is pending activation. Ask your team admin to activate the key with fingerprint ${profile.fingerprint} (compare it with them out of band). This app checks again by itself.`;
    case 'revoked':
      return 'Your approver key was revoked. Rotate your key in Settings and ask your team admin to activate the new one.';
    case 'unknown':
      return 'Checking whether your approver key is active…';
    default: {
      const never: never = profile.keyStatus;
      return never;
    }
  }
}
