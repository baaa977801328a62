/**
 * The fingerprint-comparison step, the same at onboarding and after a key rotation: the new
 * key's fingerprint, how to compare it with the admin out of band, and its status, which
 * follows activation by itself (the button only checks sooner).
 */
import { useState } from 'react';
import type { ProfileView } from '../../src/approver/api.ts';
import { errorMessage, invoke } from '../lib/bridge.ts';
import { useKeyStatusRefresh } from '../lib/key-status.ts';
import { FormError } from './FormError.tsx';
import { Fingerprint, KeyStatusPill } from './StatusPill.tsx';

export function FingerprintComparison({
  profile,
  onProfile,
}: {
  profile: ProfileView;
  onProfile: (profile: ProfileView) => void;
}) {
  useKeyStatusRefresh(profile, onProfile);
  const [checking, setChecking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const refresh = async () => {
    setChecking(true);
    setError(null);
    try {
      onProfile(await invoke('profiles:refresh', { name: profile.name }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setChecking(false);
    }
  };
  return (
    <div className="fingerprint-comparison" data-testid="fingerprint-comparison">
      <div className="fingerprint-box">
        <span className="fingerprint-label">Your key fingerprint</span>
        <Fingerprint value={profile.fingerprint} large />
        <span className="field-help">
          Key id <span className="mono">{profile.keyId}</span>
        </span>
      </div>
      <ol className="howto">
        <li>
          Contact your admin by a channel you already trust (in person, a call, your team chat) — not by replying to an
          email that asked for it.
        </li>
        <li>Read the fingerprint aloud, group by group. Your admin compares it with the one they see for your name.</li>
        <li>If every group matches, your admin activates the key. If anything differs, stop and tell them.</li>
      </ol>
      <div className="key-status-row">
        <span>Key status:</span>
        <KeyStatusPill status={profile.keyStatus} />
        <button
          type="button"
          className="button button-small"
          onClick={refresh}
          disabled={checking}
          data-testid="refresh-status"
        >
          {checking ? 'Checking…' : 'Refresh status'}
        </button>
      </div>
      <p
        className={profile.keyStatus === 'active' ? 'notice notice-ok' : 'notice'}
        role="status"
        data-testid="key-progress"
      >
        {profile.keyStatus === 'active'
          ? 'Your admin compared the fingerprint and activated this key. You can approve requests now.'
          : 'Waiting for your admin to compare the fingerprint and activate the key. This updates by itself.'}
      </p>
      <FormError message={error} />
    </div>
  );
}
