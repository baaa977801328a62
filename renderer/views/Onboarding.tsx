/**
 * First run (or "add profile"): connect to the team's control plane, generate this device's
 * approver key (the private half goes straight to the OS keychain), then compare the
 * fingerprint with the team admin, who activates the key out of band.
 */
import { type FormEvent, useState } from 'react';
import { invokeContract } from '../../src/app/contract.ts';
import type { ProfileView } from '../../src/approver/api.ts';
import { FingerprintComparison } from '../components/FingerprintComparison.tsx';
import { FormError } from '../components/FormError.tsx';
import { errorMessage, invoke } from '../lib/bridge.ts';

type FieldName = 'endpoint' | 'teamId' | 'apiKey' | 'displayName' | 'profileName';
type FieldErrors = Partial<Record<FieldName, string>>;

const FIELD_NAMES: FieldName[] = ['endpoint', 'teamId', 'apiKey', 'displayName', 'profileName'];

/** What to say for each field when its value is refused: plain words, never the schema's. */
const PLAIN_MESSAGE: Record<FieldName, { empty: string; invalid: string }> = {
  endpoint: {
    empty: 'Enter the control plane address your admin gave you, e.g. https://heso.example.com.',
    invalid: 'This does not look like a web address. It starts with https:// (http:// only on this computer).',
  },
  teamId: {
    empty: 'Enter your team id, as your admin spelled it.',
    invalid: 'A team id has letters, digits, dots, dashes or underscores only, e.g. acme-payments.',
  },
  apiKey: { empty: 'Paste the API key your admin gave you.', invalid: 'This looks too short to be an API key.' },
  displayName: { empty: 'Enter your name, as your admin knows it.', invalid: 'Use at most 200 characters.' },
  profileName: {
    empty: 'Leave it empty or give it a name.',
    invalid: 'Use letters, digits, dots, dashes or underscores only.',
  },
};

/** The plain message for a field: a schema's own wording only when it is already written for people. */
export function plainMessage(field: FieldName, value: string, schemaMessage: string): string {
  if (value.trim() === '') return PLAIN_MESSAGE[field].empty;
  return /expected|[<>]=?|regex|invalid|too_/i.test(schemaMessage) ? PLAIN_MESSAGE[field].invalid : schemaMessage;
}

/** Moves focus to a field (after the error text rendered, so it is read with it). */
function focusField(name: FieldName): void {
  requestAnimationFrame(() => {
    const input = document.getElementById(`onboarding-${name}`);
    if (name === 'profileName') input?.closest('details')?.setAttribute('open', '');
    input?.focus();
  });
}

function isFieldName(value: unknown): value is FieldName {
  return typeof value === 'string' && (FIELD_NAMES as string[]).includes(value);
}

export interface OnboardingProps {
  canCancel: boolean;
  onCancel: () => void;
  onDone: (profile: ProfileView) => Promise<void>;
}

export function OnboardingView({ canCancel, onCancel, onDone }: OnboardingProps) {
  const [profile, setProfile] = useState<ProfileView | null>(null);
  return (
    <section className="screen onboarding" aria-labelledby="onboarding-title" data-testid="onboarding">
      <ol className="steps" aria-label="Setup steps">
        <li aria-current={profile ? undefined : 'step'}>Connect</li>
        <li aria-current={profile ? 'step' : undefined}>Compare your key</li>
        <li>Approve</li>
      </ol>
      {profile ? (
        <KeyStep profile={profile} onProfile={setProfile} onDone={onDone} />
      ) : (
        <ConnectStep canCancel={canCancel} onCancel={onCancel} onCreated={setProfile} />
      )}
    </section>
  );
}

function ConnectStep(props: { canCancel: boolean; onCancel: () => void; onCreated: (p: ProfileView) => void }) {
  const [values, setValues] = useState<Record<FieldName, string>>({
    endpoint: '',
    teamId: '',
    apiKey: '',
    displayName: '',
    profileName: '',
  });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const input = {
      endpoint: values.endpoint.trim(),
      teamId: values.teamId.trim(),
      apiKey: values.apiKey.trim(),
      displayName: values.displayName.trim(),
      ...(values.profileName.trim() ? { profileName: values.profileName.trim() } : {}),
    };
    const parsed = invokeContract['profiles:init'].args.safeParse(input);
    if (!parsed.success) {
      const next: FieldErrors = {};
      for (const issue of parsed.error.issues) {
        const field = issue.path[0];
        if (isFieldName(field) && !next[field]) next[field] = plainMessage(field, values[field], issue.message);
      }
      setErrors(next);
      setFormError('Check the highlighted fields.');
      const first = FIELD_NAMES.find((name) => next[name]);
      if (first) focusField(first);
      return;
    }
    setErrors({});
    setFormError(null);
    setBusy(true);
    try {
      const created = await invoke('profiles:init', input);
      setValues((v) => ({ ...v, apiKey: '' }));
      props.onCreated(created);
    } catch (error) {
      // A refusal that names a field (a wrong team, a rejected key) is shown at that field, which takes focus.
      const field = (error as { field?: unknown }).field;
      if (isFieldName(field)) {
        setErrors({ [field]: errorMessage(error) });
        focusField(field);
      }
      setFormError(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };

  const field = (name: FieldName, label: string, help: string, extra: Record<string, string | boolean> = {}) => (
    <div className="field">
      <label className="field-label" htmlFor={`onboarding-${name}`}>
        {label}
      </label>
      <input
        id={`onboarding-${name}`}
        name={name}
        data-testid={`onboarding-${name}`}
        value={values[name]}
        aria-invalid={errors[name] ? true : undefined}
        aria-describedby={`${name}-help`}
        onChange={(event) => setValues((v) => ({ ...v, [name]: event.target.value }))}
        {...extra}
      />
      <span id={`${name}-help`} className={errors[name] ? 'field-error' : 'field-help'}>
        {errors[name] ?? help}
      </span>
    </div>
  );

  return (
    <form className="card form" onSubmit={submit} noValidate aria-labelledby="onboarding-title">
      <h1 id="onboarding-title">Set up this device as an approver</h1>
      <p className="lead">
        Your admin gives you the control plane address, your team id and an API key. This device then creates your
        personal signing key; its private half never leaves this device.
      </p>
      {field('endpoint', 'Control plane URL', 'For example https://heso.example.com', {
        type: 'url',
        inputMode: 'url',
        autoComplete: 'url',
        required: true,
        spellCheck: false,
      })}
      {field('teamId', 'Team id', 'As your admin spelled it, e.g. acme-payments', {
        required: true,
        autoComplete: 'off',
        spellCheck: false,
      })}
      {field('apiKey', 'Team API key', 'Stored in the OS keychain, never in a file. It is not shown again.', {
        type: 'password',
        autoComplete: 'off',
        required: true,
        spellCheck: false,
      })}
      {field('displayName', 'Your name', 'How your admin will recognise you in the approver list', {
        autoComplete: 'name',
        required: true,
      })}
      <details className="advanced">
        <summary>Advanced</summary>
        {field('profileName', 'Profile name (optional)', 'Defaults to the team id. Useful with several teams.', {
          autoComplete: 'off',
          spellCheck: false,
        })}
      </details>
      <FormError message={formError} testId="onboarding-error" />
      <div className="form-actions">
        {props.canCancel && (
          <button type="button" className="button" onClick={props.onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" className="button button-primary" disabled={busy} data-testid="onboarding-submit">
          {busy ? 'Creating your key…' : 'Create my approver key'}
        </button>
      </div>
    </form>
  );
}

function KeyStep(props: {
  profile: ProfileView;
  onProfile: (p: ProfileView) => void;
  onDone: (p: ProfileView) => Promise<void>;
}) {
  const { profile } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="card" data-testid="onboarding-key">
      <h1 id="onboarding-title">Compare your key with your admin</h1>
      <p className="lead">
        Your approver key was created and sent to the control plane as <strong>pending</strong>. Before it can sign,
        your admin must check that the key they received is really yours.
      </p>
      <FingerprintComparison profile={profile} onProfile={props.onProfile} />
      <FormError message={error} />
      <div className="form-actions">
        <button
          type="button"
          className="button button-primary"
          disabled={busy}
          data-testid="onboarding-continue"
          onClick={async () => {
            setBusy(true);
            setError(null);
            try {
              await props.onDone(profile);
            } catch (err) {
              setError(errorMessage(err));
              setBusy(false);
            }
          }}
        >
          Continue to the queue
        </button>
      </div>
      {profile.keyStatus !== 'active' && (
        <p className="field-help">
          You can continue now; requests appear while the key is pending, but approving works only once it is active.
        </p>
      )}
    </div>
  );
}
