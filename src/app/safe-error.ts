/**
 * Turns anything thrown behind the IPC boundary into a `{ code, message }` that is safe to
 * hand to the renderer: known error classes (engine, control-plane client) keep their
 * user-facing message, anything else becomes a generic "internal" error. Messages are
 * bounded, and any secret the caller passed in this request (e.g. the API key being
 * onboarded) is redacted, belt and braces, in case a lower layer ever echoed it.
 */
import type { z } from 'zod';
import { redactSecrets } from '../core/redact.ts';
import type { SafeError } from './wire.ts';

const MAX_MESSAGE = 600;
const CODE_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;

export const INTERNAL_MESSAGE =
  'Something went wrong inside the approver. Try again; if it keeps happening, restart the app.';

/** Errors the engine and the control-plane client throw carry a user-facing message and a code or kind. */
function knownCode(err: unknown): string | null {
  if (!(err instanceof Error)) return null;
  const withCode = err as Error & { code?: unknown; kind?: unknown };
  if (err.name.endsWith('Error') && err.name !== 'Error') {
    if (typeof withCode.code === 'string' && CODE_PATTERN.test(withCode.code)) return withCode.code;
    if (typeof withCode.kind === 'string' && CODE_PATTERN.test(withCode.kind)) return withCode.kind;
  }
  return null;
}

/** Redacted (see core/redact.ts) and bounded: safe to show in the renderer. */
function redactAndBound(text: string, secrets: readonly string[]): string {
  const out = redactSecrets(text, secrets);
  return out.length > MAX_MESSAGE ? `${out.slice(0, MAX_MESSAGE - 1)}…` : out;
}

export function toSafeError(err: unknown, secrets: readonly string[] = []): SafeError {
  const code = knownCode(err);
  // Node system errors (ENOENT …) also have a string `code`, but their messages hold paths: generic.
  if (code === null || /^E[A-Z]/.test(String((err as { code?: unknown }).code ?? ''))) {
    return { code: 'internal', message: INTERNAL_MESSAGE };
  }
  return { code, message: redactAndBound((err as Error).message, secrets) };
}

/** A zod failure as one sentence naming the field, e.g. `apiKey: looks too short to be an API key`. */
export function fromZodError(error: z.core.$ZodError, channel: string): SafeError {
  const issue = error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : undefined;
  const what = issue?.message ?? 'invalid value';
  const unknownKeys =
    issue?.code === 'unrecognized_keys' ? ` (${(issue as { keys?: string[] }).keys?.join(', ') ?? ''})` : '';
  const message = field
    ? `Invalid argument for ${channel}: ${field}: ${what}${unknownKeys}`
    : `Invalid argument for ${channel}: ${what}${unknownKeys}`;
  return field
    ? { code: 'bad_request', message: redactAndBound(message, []), field }
    : { code: 'bad_request', message };
}
