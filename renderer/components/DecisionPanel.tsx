/**
 * Approve / deny. Approving needs two deliberate steps: the Approve button, then the dialog's
 * armed confirm button (a fresh click) or a fresh Ctrl/Cmd+Shift+A press; see ApproveDialog.
 *
 * What is signed is what the person reviewed: opening a dialog captures the item's bound
 * fields (`reviewedOf`), the decision carries exactly those, and if the live item changes in
 * any of them, is quarantined, leaves the queue or expires while a dialog is open, the dialog
 * closes and says so; nothing is signed. Offline, a signed decision reports "signed, waiting
 * to send" and can be withdrawn until it is sent.
 */
import { useEffect, useRef, useState } from 'react';
import type { DecisionOutcome, PendingItem, ProfileView, ReviewedItem } from '../../src/approver/api.ts';
import { reviewedOf } from '../../src/approver/display.ts';
import { LIMITS } from '../../src/core/schemas.ts';
import { errorMessage, invoke, useBridgeEvent } from '../lib/bridge.ts';
import { isExpired, keyBlockReason, reasonToClose, useArmed, VIEW_SETTLE_MS } from '../lib/deliberate.ts';
import { formatTime, useNow } from '../lib/time.ts';
import { ApproveDialog } from './ApproveDialog.tsx';
import { APPROVE_SHORTCUT, isApproveShortcut } from './approve-shortcut.ts';
import { FormError } from './FormError.tsx';
import { Modal } from './Modal.tsx';

export interface DecisionPanelProps {
  /** The item on screen. */
  item: PendingItem;
  /** The same approval as the live queue holds it now; null once it left the queue. */
  liveItem: PendingItem | null;
  profile: ProfileView | null;
  /** Called with the final outcome of a decision (accepted, already decided, expired, refused). */
  onOutcome: (outcome: DecisionOutcome) => void;
}

/** Quarantined, failed verification, or signed by an operator key not trusted yet: deny only. */
function approveBlockOf(item: PendingItem): string | null {
  if (!item.quarantined && item.operator.trust === 'first_seen') {
    return 'Approve is disabled until you trust the operator key that signed this request (see above). You can deny it.';
  }
  if (item.quarantined || !item.verification.ok) {
    return 'Approve is disabled: this request failed verification on your device. You can deny it.';
  }
  return null;
}

/** A decision dialog and what the person saw when they opened it. */
interface Opened {
  dialog: 'approve' | 'deny';
  item: PendingItem;
  reviewed: ReviewedItem;
  byShortcut: boolean;
}

type Phase = 'idle' | 'signing' | 'queued' | 'withdrawing';

export function DecisionPanel({ item, liveItem, profile, onOutcome }: DecisionPanelProps) {
  const now = useNow(500);
  const viewSettled = useArmed(VIEW_SETTLE_MS);
  const [opened, setOpened] = useState<Opened | null>(null);
  const [phase, setPhase] = useState<Phase>('idle');
  const [queuedMessage, setQueuedMessage] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  /** A settled event that overtook the `queued` answer it settles. */
  const settledEarly = useRef<DecisionOutcome | null>(null);

  const approvalId = item.approval.id;
  const keyBlock = keyBlockReason(profile);
  const unavailable = isExpired(item, now)
    ? `This approval expired at ${formatTime(item.approval.expiresAt)}; it can no longer be decided.`
    : liveItem === null
      ? 'This approval is no longer pending in your queue (decided elsewhere, withdrawn or expired).'
      : null;
  const approveBlock = unavailable ?? approveBlockOf(item) ?? keyBlock;
  const denyBlock = unavailable ?? keyBlock;
  const busy = phase !== 'idle';

  const open = (dialog: 'approve' | 'deny', byShortcut: boolean) => {
    setNotice(null);
    setError(null);
    setOpened({ dialog, item, reviewed: reviewedOf(item), byShortcut });
  };
  const close = () => {
    setOpened(null);
    setError(null);
  };

  // The dialog holds only while the live item is still exactly what was reviewed.
  useEffect(() => {
    if (!opened || phase !== 'idle') return;
    const why = reasonToClose(opened.reviewed, liveItem, now) ?? keyBlock;
    if (!why) return;
    setOpened(null);
    setNotice(`${why} The dialog was closed and nothing was signed. Review the request again before deciding.`);
  }, [opened, phase, liveItem, now, keyBlock]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.repeat || opened || busy || approveBlock || !isApproveShortcut(event)) return;
      event.preventDefault();
      open('approve', true);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const finish = (outcome: DecisionOutcome) => {
    setPhase('idle');
    if (outcome.status === 'withdrawn') setNotice(outcome.message);
    else onOutcome(outcome);
  };

  useBridgeEvent('settled', (event) => {
    if (event.approvalId !== approvalId) return;
    if (phase === 'signing') settledEarly.current = event.outcome;
    else if (phase === 'queued' || phase === 'withdrawing') finish(event.outcome);
  });

  const decide = async (reason?: string) => {
    if (!opened) return;
    const { reviewed, dialog } = opened;
    setPhase('signing');
    setError(null);
    settledEarly.current = null;
    try {
      const outcome = await invoke('approval:decide', {
        approvalId: reviewed.approvalId,
        decision: dialog,
        ...(reason === undefined ? {} : { reason }),
        reviewed,
      });
      setOpened(null);
      if (outcome.status !== 'queued') return finish(outcome);
      if (settledEarly.current) return finish(settledEarly.current);
      setQueuedMessage(outcome.message);
      setPhase('queued');
    } catch (err) {
      setError(errorMessage(err));
      setPhase('idle');
    }
  };

  const withdraw = async () => {
    setPhase('withdrawing');
    setError(null);
    try {
      const result = await invoke('approval:withdraw', { approvalId });
      if (result.withdrawn) {
        setPhase('idle');
        setNotice(result.message);
      } else {
        // Still on its way: the settled event ends the waiting state.
        setPhase((current) => (current === 'withdrawing' ? 'queued' : current));
        setError(result.message);
      }
    } catch (err) {
      setPhase((current) => (current === 'withdrawing' ? 'queued' : current));
      setError(errorMessage(err));
    }
  };

  if (phase === 'queued' || phase === 'withdrawing') {
    return (
      <section className="decision-panel" aria-labelledby="decide-title">
        <div className="alert alert-warning" role="status" data-testid="queued">
          <h2 id="decide-title">Signed, waiting to send</h2>
          <p>{queuedMessage}</p>
          <FormError message={error} />
          <button
            type="button"
            className="button"
            data-testid="withdraw-button"
            disabled={phase === 'withdrawing'}
            onClick={() => void withdraw()}
          >
            {phase === 'withdrawing' ? 'Withdrawing…' : 'Withdraw decision'}
          </button>
        </div>
      </section>
    );
  }

  return (
    <section
      className="decision-panel"
      aria-labelledby="decide-title"
      data-testid="decision-panel"
      data-settled={viewSettled ? 'true' : 'false'}
    >
      <h2 id="decide-title" className="visually-hidden">
        Decide
      </h2>
      {notice && (
        <p className="alert alert-warning" role="alert" data-testid="decision-notice">
          {notice}
        </p>
      )}
      {approveBlock ? (
        <p className="decision-blocked" id="approve-blocked-reason" data-testid="approve-blocked">
          {approveBlock}
        </p>
      ) : (
        <p className="decision-hint" id="approve-hint">
          Your signature covers exactly this action (code <span className="short-code">{item.shortCode}</span>).
          Approving asks you to confirm; shortcut {APPROVE_SHORTCUT}.
        </p>
      )}
      {!opened && <FormError message={error} />}
      <div className="decision-buttons">
        <button
          type="button"
          className="button button-deny"
          data-testid="deny-button"
          aria-disabled={viewSettled ? undefined : true}
          disabled={busy || denyBlock !== null}
          aria-describedby={denyBlock ? 'approve-blocked-reason' : undefined}
          onClick={(event) => {
            if (event.detail > 1 || (event.detail > 0 && !viewSettled)) return;
            open('deny', false);
          }}
        >
          Deny…
        </button>
        <button
          type="button"
          className="button button-approve"
          data-testid="approve-button"
          aria-disabled={viewSettled ? undefined : true}
          disabled={busy || approveBlock !== null}
          aria-describedby={approveBlock ? 'approve-blocked-reason' : 'approve-hint'}
          onClick={(event) => {
            // The second click of a double-click (on a queue row, say) never opens a dialog.
            if (event.detail > 1 || (event.detail > 0 && !viewSettled)) return;
            open('approve', false);
          }}
        >
          Approve…
        </button>
      </div>
      {opened?.dialog === 'approve' && (
        <ApproveDialog
          item={opened.item}
          profile={profile}
          openedByShortcut={opened.byShortcut}
          busy={busy}
          error={error}
          onCancel={close}
          onConfirm={() => void decide()}
        />
      )}
      {opened?.dialog === 'deny' && (
        <DenyDialog busy={busy} error={error} onCancel={close} onConfirm={(reason) => void decide(reason)} />
      )}
    </section>
  );
}

/** One click fills the reason (still editable); the agent receives the text as its denial reason. */
export const QUICK_REASONS = [
  'Not expected: nobody asked for this',
  'Wrong amount',
  'Wrong account or recipient',
  'Needs more context: ask me first',
] as const;

function DenyDialog(props: {
  busy: boolean;
  error: string | null;
  onCancel: () => void;
  onConfirm: (reason: string) => void;
}) {
  const [reason, setReason] = useState('');
  const [touched, setTouched] = useState(false);
  const missing = reason.trim().length === 0;
  return (
    <Modal title="Deny this action" testId="deny-dialog" onClose={props.onCancel}>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          setTouched(true);
          if (!missing && !props.busy) props.onConfirm(reason.trim());
        }}
      >
        <fieldset className="quick-reasons">
          <legend className="field-label">Quick reasons</legend>
          {QUICK_REASONS.map((quick) => (
            <button
              key={quick}
              type="button"
              className="button button-small"
              data-testid="quick-reason"
              aria-pressed={reason === quick}
              onClick={() => setReason(quick)}
            >
              {quick}
            </button>
          ))}
        </fieldset>
        <div className="field">
          <label className="field-label" htmlFor="deny-reason">
            Reason (sent to the agent's operator and kept in the audit log)
          </label>
          <textarea
            id="deny-reason"
            name="reason"
            data-testid="deny-reason"
            rows={3}
            maxLength={LIMITS.textLength}
            required
            // biome-ignore lint/a11y/noAutofocus: the reason is the only thing to fill in
            autoFocus
            value={reason}
            aria-invalid={touched && missing}
            aria-describedby="deny-reason-error"
            onChange={(event) => setReason(event.target.value)}
          />
        </div>
        <p id="deny-reason-error" className="form-error" role={touched && missing ? 'alert' : undefined}>
          {touched && missing ? 'Enter a reason to deny.' : ''}
        </p>
        <FormError message={props.error} />
        <div className="modal-actions">
          <button type="button" className="button" onClick={props.onCancel}>
            Cancel
          </button>
          <button type="submit" className="button button-deny" data-testid="confirm-deny" disabled={props.busy}>
            {props.busy ? 'Signing…' : 'Deny and sign'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
