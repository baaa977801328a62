/**
 * The desktop app's own page lives on a private, standard, secure scheme (`app://heso/`),
 * served from the packaged renderer by a protocol handler, rather than on `file://`, whose
 * origin is shared with every local file. "Our own page" means exactly this origin.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'heso';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

export function isAppUrl(raw: unknown): boolean {
  if (typeof raw !== 'string') return false;
  try {
    const url = new URL(raw);
    return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}
