/**
 * Approve / deny. Approving needs two deliberate steps: the Approve button, then either a
 * pointer click on the dialog's confirm button or Ctrl/Cmd+Shift+A. Enter and Escape never
 * approve: Escape cancels, Enter is swallowed inside the confirm dialog, and a keyboard-made
 * click on the confirm button (Enter/Space) only explains how to confirm.
 */
import { useEffect, useState } from 'react';
import type { DecisionOutcome, PendingItem, ProfileView } from '../../src/approver/api.ts';
import { reviewedOf } from '../../src/approver/display.ts';
import { errorMessage, invoke } from '../lib/bridge.ts';
import { FormError } from './FormError.tsx';
import { Modal } from './Modal.tsx';
import { Visible } from './Visible.tsx';

const MOD_KEY = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform) ? 'Cmd' : 'Ctrl';
export const APPROVE_SHORTCUT = `${MOD_KEY}+Shift+A`;

export function isApproveShortcut(event: {
  key: string;
  code?: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
}) {
  return (
    (event.ctrlKey || event.metaKey) && event.shiftKey && (event.code === 'KeyA' || event.key.toLowerCase() === 'a')
  );
}

type Dialog = 'none' | 'approve' | 'deny';

export interface DecisionPanelProps {
  item: PendingItem;
  profile: ProfileView | null;
  /** Called with the outcome of a decision the control plane answered. */
  onOutcome: (outcome: DecisionOutcome) => void;
}

export function DecisionPanel({ item, profile, onOutcome }: DecisionPanelProps) {
  const [dialog, setDialog] = useState<Dialog>('none');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Quarantined, failed verification, or signed by an operator key not trusted yet.
  const approveBlocked = item.quarantined || !item.verification.ok;

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (dialog !== 'none' || approveBlocked || busy || !isApproveShortcut(event)) return;
      event.preventDefault();
      setDialog('approve');
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [dialog, approveBlocked, busy]);

  const decide = async (decision: 'approve' | 'deny', reason?: string) => {
    setBusy(true);
    setError(null);
    try {
      const outcome = await invoke('approval:decide', {
        approvalId: item.approval.id,
        decision,
        ...(reason === undefined ? {} : { reason }),
        // Everything the decision binds, as shown: the engine signs only if the approval still carries exactly this.
        reviewed: reviewedOf(item),
      });
      setDialog('none');
      onOutcome(outcome);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="decision-panel" aria-labelledby="decide-title">
      <h2 id="decide-title" className="visually-hidden">
        Decide
      </h2>
      {approveBlocked && (
        <p className="decision-blocked" id="approve-blocked-reason">
          {!item.quarantined && item.operator.trust === 'first_seen'
            ? 'Approve is disabled until you trust the operator key that signed this request (see above). You can deny it.'
            : 'Approve is disabled: this request failed verification on your device. You can deny it.'}
        </p>
      )}
      {dialog === 'none' && <FormError message={error} />}
      {!approveBlocked && (
        <p className="decision-hint" id="approve-hint">
          Your signature covers exactly this action (code <span className="short-code">{item.shortCode}</span>).
          Approving asks you to confirm; shortcut {APPROVE_SHORTCUT}.
        </p>
      )}
      <div className="decision-buttons">
        <button
          type="button"
          className="button button-deny"
          data-testid="deny-button"
          disabled={busy}
          onClick={() => setDialog('deny')}
        >
          Deny…
        </button>
        <button
          type="button"
          className="button button-approve"
          data-testid="approve-button"
          disabled={approveBlocked || busy}
          aria-describedby={approveBlocked ? 'approve-blocked-reason' : 'approve-hint'}
          onClick={() => setDialog('approve')}
        >
          Approve…
        </button>
      </div>
      {dialog === 'approve' && !approveBlocked && (
        <ApproveDialog
          item={item}
          profile={profile}
          busy={busy}
          error={error}
          onCancel={() => {
            setDialog('none');
            setError(null);
          }}
          onConfirm={() => void decide('approve')}
        />
      )}
      {dialog === 'deny' && (
        <DenyDialog
          busy={busy}
          error={error}
          onCancel={() => {
            setDialog('none');
            setError(null);
          }}
          onConfirm={(reason) => void decide('deny', reason)}
        />
      )}
    </section>
  );
}

function ApproveDialog(props: {
  item: PendingItem;
  profile: ProfileView | null;
  busy: boolean;
  error: string | null;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  const { item, profile, busy } = props;
  const [hint, setHint] = useState(false);
  const { action, actionHash } = item.approval.receipt.statement;
  return (
    <Modal
      title="Approve and co-sign this action?"
      testId="approve-dialog"
      className="modal-approve"
      onClose={props.onCancel}
      onKeyDown={(event) => {
        if (event.key === 'Enter') {
          event.preventDefault();
          setHint(true);
        } else if (isApproveShortcut(event)) {
          event.preventDefault();
          if (!busy) props.onConfirm();
        }
      }}
    >
      <p>
        Your key signs this exact action. The agent may then run <Visible text={action.tool} className="mono" /> on
        account <Visible text={action.account} className="mono" />.
      </p>
      <dl className="confirm-facts">
        <div>
          <dt>Confirmation code</dt>
          <dd className="short-code short-code-large">{item.shortCode}</dd>
        </div>
        <div>
          <dt>Action hash</dt>
          <dd className="mono break">{actionHash}</dd>
        </div>
        {profile && (
          <div>
            <dt>Signing as</dt>
            <dd>
              <Visible text={profile.displayName} /> · key <span className="mono">{profile.keyId}</span>
            </dd>
          </div>
        )}
      </dl>
      <p className="decision-hint" role={hint ? 'alert' : undefined}>
        {hint
          ? `Enter does not approve. Click “Approve and sign” or press ${APPROVE_SHORTCUT}.`
          : `Click “Approve and sign” or press ${APPROVE_SHORTCUT}. Escape cancels.`}
      </p>
      <FormError message={props.error} />
      <div className="modal-actions">
        {/* biome-ignore lint/a11y/noAutofocus: safe default focus in a confirmation dialog is Cancel */}
        <button type="button" className="button" autoFocus onClick={props.onCancel}>
          Cancel
        </button>
        <button
          type="button"
          className="button button-approve"
          data-testid="confirm-approve"
          disabled={busy}
          onClick={(event) => {
            // detail is 0 for clicks made with Enter or Space: never approve from the keyboard's default keys.
            if (event.detail === 0) {
              setHint(true);
              return;
            }
            props.onConfirm();
          }}
        >
          {busy ? 'Signing…' : 'Approve and sign'}
        </button>
      </div>
    </Modal>
  );
}

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
        <div className="field">
          <label className="field-label" htmlFor="deny-reason">
            Reason (sent to the agent's operator and kept in the audit log)
          </label>
          <textarea
            id="deny-reason"
            name="reason"
            data-testid="deny-reason"
            rows={3}
            maxLength={2000}
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
