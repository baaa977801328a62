/**
 * Which operator key signed this request, and whether this device trusts it (SSH-style):
 * trusted for the workflow, first seen (compare the fingerprint, then trust it with a
 * confirmation), or changed (the workflow is pinned to another key: quarantined; re-pinning is
 * an admin step on the CLI, never one click here).
 */
import { useState } from 'react';
import type { PendingItem } from '../../src/approver/api.ts';
import { errorMessage, invoke } from '../lib/bridge.ts';
import { FormError } from './FormError.tsx';
import { Modal } from './Modal.tsx';
import { Visible } from './Visible.tsx';

export function OperatorTrust({ item }: { item: PendingItem }) {
  const { operator } = item;
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const trust = async () => {
    setBusy(true);
    setError(null);
    try {
      // The engine re-checks that this fingerprint is the item's key; the queue then shows the item as trusted.
      await invoke('operators:trustItem', { approvalId: item.approval.id, fingerprint: operator.fingerprint });
      setConfirming(false);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const fingerprint = (
    <code className="mono fingerprint" data-testid="operator-fingerprint">
      {operator.fingerprint}
    </code>
  );
  if (operator.trust === 'trusted') {
    return (
      <p className="operator-trust" data-testid="operator-trust" data-trust="trusted">
        Signed by operator key {fingerprint}, trusted on this device for workflow{' '}
        <Visible text={operator.workflow} className="mono" />.
      </p>
    );
  }
  if (operator.trust === 'changed') {
    return (
      <div className="alert alert-error operator-trust" role="alert" data-testid="operator-trust" data-trust="changed">
        <strong>Operator key changed.</strong> Workflow <Visible text={operator.workflow} className="mono" /> is trusted
        with key <span className="mono">{operator.pinnedKeys.map((k) => k.fingerprint).join(', ')}</span>, but this
        request is signed by {fingerprint}. Someone may be impersonating the agent. Do not approve; tell your team
        admin. Only an admin-confirmed key change may re-pin it, with{' '}
        <code className="mono">heso-approver trust add-operator … --replace</code>.
      </div>
    );
  }
  return (
    <div className="alert alert-warning operator-trust" data-testid="operator-trust" data-trust="first_seen">
      <strong>New operator key.</strong> This device has not trusted the key that signed this request for workflow{' '}
      <Visible text={operator.workflow} className="mono" /> yet. Its fingerprint is {fingerprint}. Compare it with the
      fingerprint your team admin gave you (in person, by phone, or a chat you trust) before trusting it.
      {!item.quarantined && (
        <p>
          <button
            type="button"
            className="button button-small"
            data-testid="trust-operator-button"
            onClick={() => setConfirming(true)}
          >
            Trust this operator key…
          </button>
        </p>
      )}
      {confirming && (
        <Modal title="Trust this operator key?" testId="trust-operator-dialog" onClose={() => setConfirming(false)}>
          <p>
            From now on, requests of workflow <Visible text={operator.workflow} className="mono" /> signed by this key
            can be approved on this device. Trust it only if this fingerprint is exactly the one your team admin gave
            you:
          </p>
          <p className="short-code">{operator.fingerprint}</p>
          <FormError message={error} />
          <div className="modal-actions">
            {/* biome-ignore lint/a11y/noAutofocus: safe default focus in a confirmation dialog is Cancel */}
            <button type="button" className="button" autoFocus onClick={() => setConfirming(false)}>
              Cancel
            </button>
            <button
              type="button"
              className="button button-primary"
              data-testid="confirm-trust-operator"
              disabled={busy}
              onClick={() => void trust()}
            >
              {busy ? 'Trusting…' : 'The fingerprints match: trust this key'}
            </button>
          </div>
        </Modal>
      )}
    </div>
  );
}
