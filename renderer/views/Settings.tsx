/** Profiles (switch, refresh, rotate, remove, add) and app preferences. */
import { useState } from 'react';
import type { AppInfo, Settings } from '../../src/app/contract.ts';
import type { ProfileView } from '../../src/approver/api.ts';
import { FingerprintComparison } from '../components/FingerprintComparison.tsx';
import { FormError } from '../components/FormError.tsx';
import { Modal } from '../components/Modal.tsx';
import { ReplaceApiKeyDialog } from '../components/ReplaceApiKeyDialog.tsx';
import { Fingerprint, KeyStatusPill } from '../components/StatusPill.tsx';
import { Visible } from '../components/Visible.tsx';
import { errorMessage, invoke } from '../lib/bridge.ts';
import { requestNotificationPermission, useNotificationPermission } from '../lib/web-notifications.ts';

export interface SettingsViewProps {
  profiles: ProfileView[];
  activeProfileName: string | null;
  settings: Settings | null;
  info: AppInfo | null;
  onSettings: (settings: Settings) => void;
  onProfileChanged: (profile: ProfileView) => void;
  onProfilesReload: () => Promise<ProfileView[]>;
  onSwitchProfile: (name: string) => Promise<void>;
  onAddProfile: () => void;
}

const PREFERENCES: { key: keyof Settings; label: string; help: string; desktopOnly: boolean }[] = [
  {
    key: 'notifications',
    label: 'Notifications',
    help: 'Tell me when an approval waits (never approves anything).',
    desktopOnly: false,
  },
  { key: 'launchAtLogin', label: 'Launch at login', help: 'Start in the tray when I log in.', desktopOnly: true },
  {
    key: 'closeToTray',
    label: 'Close to tray',
    help: 'Keep following the queue after the window is closed.',
    desktopOnly: true,
  },
];

/** In a browser, notifications need the browser's permission, asked for from a click. */
function BrowserNotifications() {
  const [permission, setPermission] = useNotificationPermission();
  if (permission === 'granted')
    return (
      <p className="notice notice-ok" data-testid="notification-permission" data-permission="granted">
        Browser notifications are allowed for this tab.
      </p>
    );
  if (permission === 'unsupported' || permission === 'denied')
    return (
      <p className="notice" data-testid="notification-permission" data-permission={permission}>
        {permission === 'denied'
          ? 'This browser blocks notifications for this page: allow them in the site settings (the icon left of the address).'
          : 'This browser cannot show notifications.'}
      </p>
    );
  return (
    <p data-testid="notification-permission" data-permission="default">
      <button
        type="button"
        className="button button-small"
        data-testid="allow-notifications"
        onClick={async () => setPermission(await requestNotificationPermission())}
      >
        Allow browser notifications
      </button>
    </p>
  );
}

export function SettingsView(props: SettingsViewProps) {
  const browser = props.info?.shell === 'browser';
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState<keyof Settings | null>(null);

  const toggle = async (key: keyof Settings, value: boolean) => {
    setSaving(key);
    setError(null);
    try {
      props.onSettings(await invoke('settings:set', { [key]: value }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSaving(null);
    }
  };

  return (
    <section className="screen" aria-labelledby="settings-title">
      <div className="screen-head">
        <h1 id="settings-title">Settings</h1>
      </div>
      <FormError message={error} />
      <section className="card" aria-labelledby="profiles-title">
        <div className="card-head">
          <h2 id="profiles-title">Profiles</h2>
          <button type="button" className="button button-small" onClick={props.onAddProfile}>
            Add profile…
          </button>
        </div>
        <ul className="profile-list">
          {props.profiles.map((profile) => (
            <ProfileCard
              key={profile.name}
              profile={profile}
              active={profile.name === props.activeProfileName}
              onChanged={props.onProfileChanged}
              onRemoved={props.onProfilesReload}
              onSwitch={props.onSwitchProfile}
            />
          ))}
        </ul>
      </section>
      <section className="card" aria-labelledby="prefs-title">
        <h2 id="prefs-title">Preferences</h2>
        {browser && (
          <p className="field-help" data-testid="tray-note">
            Launch at login and the tray belong to the desktop app. In this browser tab, notifications work while the
            tab is open.
          </p>
        )}
        {browser && props.settings?.notifications && <BrowserNotifications />}
        {props.settings ? (
          PREFERENCES.filter((pref) => !(browser && pref.desktopOnly)).map((pref) => (
            <label className="checkbox" key={pref.key}>
              <input
                type="checkbox"
                checked={props.settings?.[pref.key] ?? false}
                disabled={saving !== null}
                data-testid={`setting-${pref.key}`}
                onChange={(event) => void toggle(pref.key, event.target.checked)}
              />
              <span>
                <span className="checkbox-label">{pref.label}</span>
                <span className="field-help">{pref.help}</span>
              </span>
            </label>
          ))
        ) : (
          <p className="loading">Loading…</p>
        )}
      </section>
      {props.info && (
        <p className="app-info">
          HESO Approver {props.info.version} · {props.info.platform} ·{' '}
          {props.info.shell === 'electron' ? 'desktop app' : 'browser (loopback host)'}
        </p>
      )}
    </section>
  );
}

type Confirm = 'none' | 'rotate' | 'remove' | 'apiKey';

function ProfileCard(props: {
  profile: ProfileView;
  active: boolean;
  onChanged: (p: ProfileView) => void;
  onRemoved: () => Promise<ProfileView[]>;
  onSwitch: (name: string) => Promise<void>;
}) {
  const { profile } = props;
  const [confirm, setConfirm] = useState<Confirm>('none');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [typedName, setTypedName] = useState('');
  /** After a rotation: the fingerprint-comparison step, as at onboarding. */
  const [compare, setCompare] = useState(false);

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
      setConfirm('none');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <li className="profile-card" data-testid="profile-card" data-profile={profile.name}>
      <div className="profile-head">
        <h3>
          <Visible text={profile.name} />
          {props.active && <span className="pill pill-neutral">In use</span>}
        </h3>
        <KeyStatusPill status={profile.keyStatus} />
      </div>
      <dl className="facts facts-compact">
        <div className="fact">
          <dt>Team</dt>
          <dd className="mono">
            <Visible text={profile.teamId} />
          </dd>
        </div>
        <div className="fact">
          <dt>Control plane</dt>
          <dd className="mono break">
            <Visible text={profile.endpoint} />
          </dd>
        </div>
        <div className="fact">
          <dt>Your name</dt>
          <dd>
            <Visible text={profile.displayName} />
          </dd>
        </div>
        <div className="fact">
          <dt>Fingerprint</dt>
          <dd>
            <Fingerprint value={profile.fingerprint} />
          </dd>
        </div>
        <div className="fact">
          <dt>API key</dt>
          <dd>{profile.hasApiKey ? 'In the OS keychain' : 'Missing — set the profile up again'}</dd>
        </div>
        <div className="fact">
          <dt>API key role</dt>
          <dd>{apiKeyRoleText(profile.apiKeyRole)}</dd>
        </div>
      </dl>
      {confirm === 'none' && <FormError message={error} />}
      <div className="profile-actions">
        {!props.active && (
          <button
            type="button"
            className="button button-small"
            disabled={busy}
            onClick={() => run(() => props.onSwitch(profile.name))}
          >
            Use this profile
          </button>
        )}
        <button
          type="button"
          className="button button-small"
          disabled={busy}
          onClick={() => run(async () => props.onChanged(await invoke('profiles:refresh', { name: profile.name })))}
        >
          Refresh key status
        </button>
        <button type="button" className="button button-small" disabled={busy} onClick={() => setConfirm('apiKey')}>
          Replace API key…
        </button>
        <button type="button" className="button button-small" disabled={busy} onClick={() => setConfirm('rotate')}>
          Rotate key…
        </button>
        <button
          type="button"
          className="button button-small button-danger"
          disabled={busy}
          onClick={() => setConfirm('remove')}
        >
          Remove…
        </button>
      </div>
      {confirm === 'apiKey' && (
        <ReplaceApiKeyDialog profile={profile} onClose={() => setConfirm('none')} onReplaced={props.onChanged} />
      )}
      {confirm === 'rotate' && (
        <Modal title="Rotate your approver key?" onClose={() => setConfirm('none')} testId="rotate-dialog">
          <p>
            This device creates a new key, vouched for by the current one, and the current key is revoked. The new key
            starts <strong>pending</strong>: you cannot approve until your admin compares its fingerprint and activates
            it.
          </p>
          <FormError message={error} />
          <div className="modal-actions">
            {/* biome-ignore lint/a11y/noAutofocus: the safe default in a confirmation */}
            <button type="button" className="button" autoFocus onClick={() => setConfirm('none')}>
              Cancel
            </button>
            <button
              type="button"
              className="button button-primary"
              disabled={busy}
              onClick={() =>
                run(async () => {
                  props.onChanged(await invoke('profiles:rotateKey', { name: profile.name }));
                  setCompare(true);
                })
              }
            >
              {busy ? 'Rotating…' : 'Rotate key'}
            </button>
          </div>
        </Modal>
      )}
      {compare && (
        <Modal title="Compare your new key with your admin" onClose={() => setCompare(false)} testId="compare-dialog">
          <p>The same step as when you set up this device: your admin activates the new key after comparing it.</p>
          <FingerprintComparison profile={profile} onProfile={props.onChanged} />
          <div className="modal-actions">
            <button type="button" className="button button-primary" onClick={() => setCompare(false)}>
              Done
            </button>
          </div>
        </Modal>
      )}
      {confirm === 'remove' && (
        <Modal title="Remove this profile?" onClose={() => setConfirm('none')} testId="remove-dialog">
          <form
            onSubmit={(event) => {
              event.preventDefault();
              if (typedName === profile.name)
                void run(async () => {
                  await invoke('profiles:remove', { name: profile.name });
                  await props.onRemoved();
                });
            }}
          >
            <p>
              Your key is revoked with the control plane (if it is reachable) and the private key and the API key are
              deleted from the OS keychain. This cannot be undone: to approve for this team again you set up a new key
              and your admin activates it.
            </p>
            <label className="field">
              <span className="field-label">
                Type <span className="mono">{profile.name}</span> to confirm
              </span>
              {/* biome-ignore lint/a11y/noAutofocus: the only field in the dialog */}
              <input autoFocus value={typedName} spellCheck={false} onChange={(e) => setTypedName(e.target.value)} />
            </label>
            <FormError message={error} />
            <div className="modal-actions">
              <button type="button" className="button" onClick={() => setConfirm('none')}>
                Cancel
              </button>
              <button type="submit" className="button button-danger" disabled={busy || typedName !== profile.name}>
                Remove profile
              </button>
            </div>
          </form>
        </Modal>
      )}
    </li>
  );
}

/** The key's role in words; an operator key (meant for agents) is called out with what to do. */
function apiKeyRoleText(role: ProfileView['apiKeyRole']): string {
  switch (role) {
    case 'approver':
      return 'Approver';
    case 'admin':
      return 'Admin';
    case 'legacy':
      return 'Legacy (made before key roles) — ask your team admin for an approver key';
    case 'operator':
      return 'Operator — meant for agents, it cannot see the queue: ask your team admin for an approver key';
    case 'unknown':
      return 'Not checked yet';
  }
}
