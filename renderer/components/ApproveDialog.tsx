/**
 * "Approve and co-sign?": the last step before the approver's key signs. It shows the item as
 * it was when the person opened it (the panel closes the dialog if the live item changes), and
 * it refuses every confirmation that is not deliberate:
 * - the confirm control is unarmed for ARMING_DELAY_MS after opening (a double-click or a
 *   hurried second click lands on nothing);
 * - a confirming click must start (pointer down) after arming, and be a single click;
 * - Ctrl/Cmd+Shift+A confirms only as a fresh press: key repeats never count, and some key
 *   must have been released since the dialog opened (the press that opened it is held);
 * - Enter, Space and keyboard-made clicks never confirm;
 * - when the rule asks for it, the short code must be typed.
 */
import { useLayoutEffect, useRef, useState } from 'react';
import type { PendingItem, ProfileView } from '../../src/approver/api.ts';
import { ARMING_DELAY_MS, useArmed } from '../lib/deliberate.ts';
import { headlineOf } from '../lib/headline.ts';
import { APPROVE_SHORTCUT, isApproveShortcut } from './approve-shortcut.ts';
import { FormError } from './FormError.tsx';
import { Modal } from './Modal.tsx';
import { Visible } from './Visible.tsx';

export interface ApproveDialogProps {
  /** The item as reviewed (captured when the dialog opened), never the live one. */
  item: PendingItem;
  profile: ProfileView | null;
  /** The dialog was opened with the shortcut, whose keys may still be held down. */
  openedByShortcut: boolean;
  busy: boolean;
  error: string | null;
  onCancel: () => void;
  onConfirm: () => void;
}

const TOO_SOON = 'Not yet: the button arms itself a moment after the dialog opens, so a double-click cannot approve.';

export function ApproveDialog(props: ApproveDialogProps) {
  const { item, profile, busy } = props;
  const [hint, setHint] = useState<string | null>(null);
  const [typed, setTyped] = useState('');
  const armed = useArmed(ARMING_DELAY_MS);
  const keyReleased = useRef(!props.openedByShortcut);
  const pressStartedArmed = useRef(false);
  const { action, actionHash, confirm } = item.approval.receipt.statement;
  const needsCode = confirm === 'typed-code';
  const headline = headlineOf(action);
  const codeOk = !needsCode || normalizeCode(typed) === normalizeCode(item.shortCode);
  const ready = armed && codeOk && !busy;

  // Layout effect: listening starts in the same commit that opens the dialog, before any later key event.
  useLayoutEffect(() => {
    const onKeyUp = () => {
      keyReleased.current = true;
    };
    window.addEventListener('keyup', onKeyUp, true);
    return () => window.removeEventListener('keyup', onKeyUp, true);
  }, []);

  const tryConfirm = (): void => {
    if (busy) return;
    if (!armed) setHint(TOO_SOON);
    else if (!codeOk) setHint(`Type the confirmation code ${item.shortCode} first.`);
    else props.onConfirm();
  };

  return (
    <Modal
      title="Approve and co-sign this action?"
      testId="approve-dialog"
      className="modal-approve"
      onClose={() => !busy && props.onCancel()}
      onKeyDown={(event) => {
        if (event.key === 'Enter' && !(event.target instanceof HTMLInputElement)) {
          event.preventDefault();
          setHint(`Enter does not approve. Click “Approve and sign” or press ${APPROVE_SHORTCUT}.`);
        } else if (isApproveShortcut(event)) {
          event.preventDefault();
          // A held key repeats: only a fresh press, after a release, counts.
          if (event.repeat || !keyReleased.current) {
            setHint(`Release the keys, then press ${APPROVE_SHORTCUT} again to approve.`);
            return;
          }
          tryConfirm();
        }
      }}
    >
      <p>
        Your key signs this exact action. The agent may then run <Visible text={action.tool} className="mono" /> on
        account <Visible text={action.account} className="mono" />:
      </p>
      <p className="confirm-headline" data-testid="confirm-headline">
        <Visible text={headline.text} />
      </p>
      <dl className="confirm-facts" data-testid="confirm-key-values">
        {headline.keyValues.map((kv) => (
          <div key={kv.label}>
            <dt>{kv.label}</dt>
            <dd className="confirm-key-value">
              <Visible text={kv.value} />
            </dd>
          </div>
        ))}
        <div>
          <dt>Confirmation code</dt>
          <dd className="short-code short-code-large" data-testid="confirm-short-code">
            {item.shortCode}
          </dd>
        </div>
        <div>
          <dt>Action hash</dt>
          <dd className="mono break" data-testid="confirm-action-hash">
            {actionHash}
          </dd>
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
      {needsCode && (
        <div className="field">
          <label className="field-label" htmlFor="typed-code">
            This rule asks you to type the confirmation code ({item.shortCode}) to approve
          </label>
          <input
            id="typed-code"
            className="mono"
            data-testid="typed-code"
            autoComplete="off"
            spellCheck={false}
            value={typed}
            aria-invalid={typed !== '' && !codeOk}
            onChange={(event) => setTyped(event.target.value)}
          />
        </div>
      )}
      <p className="decision-hint" role={hint ? 'alert' : undefined} data-testid="approve-hint">
        {hint ??
          (armed
            ? `Click “Approve and sign” or press ${APPROVE_SHORTCUT}. Escape cancels.`
            : 'Read it once more: the approve button arms itself in a moment.')}
      </p>
      <FormError message={props.error} />
      <div className="modal-actions modal-actions-approve">
        <button
          type="button"
          className="button button-approve"
          data-testid="confirm-approve"
          data-armed={armed ? 'true' : 'false'}
          aria-disabled={!ready}
          onPointerDown={() => {
            pressStartedArmed.current = armed;
          }}
          onClick={(event) => {
            // detail is 0 for clicks made with Enter or Space: never approve from the keyboard's default keys.
            if (event.detail === 0) {
              setHint(`Enter and Space do not approve. Click “Approve and sign” or press ${APPROVE_SHORTCUT}.`);
              return;
            }
            // A press that began before arming, or the second click of a double-click, is not deliberate.
            if (!pressStartedArmed.current || event.detail > 1) setHint(TOO_SOON);
            else tryConfirm();
          }}
        >
          {busy ? 'Signing…' : 'Approve and sign'}
        </button>
        {/* biome-ignore lint/a11y/noAutofocus: safe default focus in a confirmation dialog is Cancel */}
        <button type="button" className="button" autoFocus disabled={busy} onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </Modal>
  );
}

/** Codes compare without case, spaces or dashes: `ab12-cd34` matches `AB12CD34`. */
function normalizeCode(code: string): string {
  return code.replace(/[\s-]/g, '').toUpperCase();
}
