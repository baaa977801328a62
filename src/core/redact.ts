/**
 * Keeping secrets out of messages, the one rule for the SDK's errors and the app's IPC
 * errors: a bearer token in any form, and each secret the caller knows of (an API key
 * being used or onboarded). Secrets shorter than 4 characters are left alone: replacing
 * them would mangle ordinary words without protecting anything.
 */
const BEARER = /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi;

/** `text` with every bearer token and every occurrence of each secret replaced by `[redacted]`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text.replace(BEARER, 'Bearer [redacted]');
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out;
}
