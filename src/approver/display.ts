/**
 * Showing untrusted text (action params, summaries, reasons) without letting it lie.
 *
 * An agent controls every string in an action. Control characters could move the
 * terminal cursor or rewrite earlier lines; bidirectional overrides (U+202E…) can make
 * `transfer 10 to evil` read as something else; zero-width characters hide differences.
 * So every such character is shown as a visible escape (`\u202E`, `\n`, `\x1b`) and a
 * literal backslash is doubled, so the escaped form is unambiguous. The CLI and the
 * React UI use the same functions, so both show exactly the same text.
 *
 * Pure functions, no Node APIs: safe to import from the renderer.
 */

import { escapeUntrusted, hasHiddenCharacters } from '../core/terminal-text.ts';
import type { PendingItem, ReviewedItem } from './api.ts';

// The escaping itself lives in core so that every CLI (the SDK's `heso` included) shares it.
export { escapeUntrusted, hasBidiControls, hasHiddenCharacters } from '../core/terminal-text.ts';

export interface DisplayLine {
  /** Dotted path, e.g. `params.recipient.iban`; keys are escaped too. */
  path: string;
  /** The value as shown: strings JSON-quoted after escaping, numbers / booleans / null as JSON. */
  value: string;
  /** The original string value contained hidden characters (now escaped). */
  suspicious: boolean;
}

/**
 * Every leaf of a JSON value as one line each, so nothing is hidden in a collapsed tree.
 * Empty objects and arrays are shown as `{}` / `[]`.
 */
export function flattenForDisplay(value: unknown, prefix = ''): DisplayLine[] {
  const lines: DisplayLine[] = [];
  const visit = (v: unknown, path: string): void => {
    if (Array.isArray(v)) {
      if (v.length === 0) lines.push({ path, value: '[]', suspicious: false });
      v.forEach((item, i) => {
        visit(item, `${path}[${i}]`);
      });
      return;
    }
    if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v as Record<string, unknown>).sort();
      if (keys.length === 0) lines.push({ path, value: '{}', suspicious: false });
      for (const key of keys) {
        const shownKey = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : `[${quote(key)}]`;
        const sep = shownKey.startsWith('[') || path === '' ? '' : '.';
        visit((v as Record<string, unknown>)[key], `${path}${sep}${shownKey}`);
        if (hasHiddenCharacters(key)) {
          const last = lines[lines.length - 1];
          if (last) last.suspicious = true;
        }
      }
      return;
    }
    if (typeof v === 'string') {
      lines.push({ path, value: quote(v), suspicious: hasHiddenCharacters(v) });
      return;
    }
    lines.push({ path, value: v === undefined ? 'undefined' : JSON.stringify(v), suspicious: false });
  };
  visit(value, prefix);
  return lines;
}

/** A string as a double-quoted literal with hidden characters escaped. */
export function quote(text: string): string {
  return `"${escapeUntrusted(text).replace(/"/g, '\\"')}"`;
}

export { jsonForTerminal } from '../core/terminal-text.ts';

/** The fields of `item` that a decision binds, captured when the person starts to decide. */
export function reviewedOf(item: Pick<PendingItem, 'approval'>): ReviewedItem {
  const { approval } = item;
  const { statement } = approval.receipt;
  return {
    approvalId: approval.id,
    teamId: approval.teamId,
    receiptId: statement.receiptId,
    actionHash: statement.actionHash,
    operatorKeyId: statement.operatorKeyId,
    policyVersion: statement.policy.version,
    ruleId: statement.policy.ruleId,
    challenge: approval.challenge,
    expiresAt: approval.expiresAt,
  };
}

/** True when `item` still carries exactly what was reviewed (every bound field, byte for byte). */
export function isSameReviewed(a: ReviewedItem, b: ReviewedItem): boolean {
  return (
    (Object.keys(a) as (keyof ReviewedItem)[]).every((k) => a[k] === b[k]) &&
    Object.keys(a).length === Object.keys(b).length
  );
}
