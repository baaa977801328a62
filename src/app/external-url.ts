/**
 * Which links the app may hand to the operating system's browser. Everything a renderer
 * asks to open goes through here first: only plain https URLs to a named host, with no
 * credentials, no whitespace or control characters (which could smuggle a second argument
 * or a look-alike), and a bounded length. Everything else (file:, javascript:, custom
 * schemes that launch local programs, http:) is refused.
 */
const MAX_URL_LENGTH = 2000;
// C0 controls, DEL, C1 controls, whitespace, and bidi/zero-width characters.
function hasForbiddenCharacter(text: string): boolean {
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if (c <= 0x20 || (c >= 0x7f && c <= 0xa0)) return true;
    if ((c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) return true;
    if (c === 0xfeff) return true;
  }
  return false;
}

export function isSafeExternalUrl(raw: unknown): raw is string {
  return safeExternalUrl(raw) !== null;
}

/** The normalised URL to open, or null when it must not be opened. */
export function safeExternalUrl(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_URL_LENGTH) return null;
  if (hasForbiddenCharacter(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:') return null;
  if (url.username !== '' || url.password !== '') return null;
  if (url.hostname === '' || url.hostname.includes('%')) return null;
  return url.href;
}
