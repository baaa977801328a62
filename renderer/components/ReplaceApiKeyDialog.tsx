/** "Replace API key": a new team API key for a profile, without a new signing key or a new setup. */
import { useEffect, useRef, useState } from 'react';
import { invokeContract } from '../../src/app/contract.ts';
import type { ProfileView } from '../../src/approver/api.ts';
import { errorMessage, invoke } from '../lib/bridge.ts';
import { FormError } from './FormError.tsx';
import { Modal } from './Modal.tsx';

export function ReplaceApiKeyDialog(props: {
  profile: ProfileView;
  onClose: () => void;
  onReplaced: (profile: ProfileView) => void;
}) {
  const [apiKey, setApiKey] = useState('');
  // The only field in the dialog takes focus when it opens.
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <Modal title="Replace the team API key" onClose={props.onClose} testId="replace-api-key-dialog">
      <form
        noValidate
        onSubmit={async (event) => {
          event.preventDefault();
          // The engine's API key rule (the contract's schema), checked before anything is sent.
          if (!invokeContract['profiles:replaceApiKey'].args.shape.apiKey.safeParse(apiKey.trim()).success) {
            setError('Paste the new API key your admin gave you (it is longer than 8 characters).');
            return;
          }
          setBusy(true);
          setError(null);
          try {
            props.onReplaced(
              await invoke('profiles:replaceApiKey', { name: props.profile.name, apiKey: apiKey.trim() }),
            );
            props.onClose();
          } catch (err) {
            setError(errorMessage(err));
            setBusy(false);
          }
        }}
      >
        <p>
          Your signing key stays as it is; only the key this device uses to reach the control plane changes. The new key
          is checked with the control plane before it replaces the old one in the OS keychain.
        </p>
        <label className="field">
          <span className="field-label">New API key</span>
          <input
            ref={input}
            type="password"
            autoComplete="off"
            spellCheck={false}
            data-testid="replace-api-key"
            value={apiKey}
            aria-invalid={error ? true : undefined}
            onChange={(e) => setApiKey(e.target.value)}
          />
        </label>
        <FormError message={error} />
        <div className="modal-actions">
          <button type="button" className="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={busy} data-testid="confirm-replace-api-key">
            {busy ? 'Checking…' : 'Replace API key'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
