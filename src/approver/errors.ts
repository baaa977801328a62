/**
 * Errors the approver engine throws. Each message says what happened and what to do,
 * and none of them ever carries an API key or private key material.
 */

/** Base class so callers (CLI, Electron main) can tell engine errors from bugs. */
export class ApproverError extends Error {
  override name = 'ApproverError';
  /** Stable machine-readable code for `--json` output and IPC. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The OS keychain could not be reached, is locked, or refused access. Nothing was half-written. */
export class KeychainUnavailableError extends ApproverError {
  override name = 'KeychainUnavailableError';
  /** What the keychain said, in short (e.g. "no access to the keychain: …AccessDenied"), for one-line notices. */
  readonly detail: string;
  constructor(operation: string, detail: string, options?: { cause?: unknown }) {
    super(
      'keychain_unavailable',
      `Could not ${operation} in the OS keychain (${detail}). ` +
        'Unlock your keychain / login keyring and try again. On Linux, the Secret Service ' +
        '(gnome-keyring or KWallet) must be running in your desktop session (D-Bus); on a ' +
        'headless machine run the approver inside a D-Bus session with an unlocked keyring.',
      options,
    );
    this.detail = detail;
  }
}

export class ProfileNotFoundError extends ApproverError {
  override name = 'ProfileNotFoundError';
  constructor(name: string | null) {
    super(
      'profile_not_found',
      name === null
        ? 'No approver profile is set up yet: run `heso-approver init` first.'
        : `No approver profile named "${name}": run \`heso-approver profile list\` to see the profiles on this device.`,
    );
  }
}

export class ProfileExistsError extends ApproverError {
  override name = 'ProfileExistsError';
  constructor(name: string) {
    super(
      'profile_exists',
      `A profile named "${name}" already exists: choose another profile name, or remove it first with \`heso-approver profile remove ${name}\`.`,
    );
  }
}

/** A profile's key or API key is missing from the keychain (deleted outside the app, or another user). */
export class MissingSecretError extends ApproverError {
  override name = 'MissingSecretError';
  constructor(profile: string, what: 'private key' | 'API key') {
    super(
      'missing_secret',
      `The ${what} of profile "${profile}" is not in the OS keychain (it was deleted or this is another user account). ` +
        `Remove the profile (\`heso-approver profile remove ${profile}\`) and run \`heso-approver init\` again.`,
    );
  }
}

/** Bad input from the user or a caller: a field named, what is expected. */
export class InputError extends ApproverError {
  override name = 'InputError';
  constructor(message: string) {
    super('bad_input', message);
  }
}

/** The control plane refused or could not be reached during an engine operation. */
export class RemoteError extends ApproverError {
  override name = 'RemoteError';
}

/** The config file exists but cannot be read as a profiles file. */
export class ConfigError extends ApproverError {
  override name = 'ConfigError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('bad_config', message, options);
  }
}
