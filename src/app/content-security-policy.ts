/**
 * The one Content-Security-Policy of the approver UI. Both shells send it as a header (the
 * loopback web host and Electron's `app://` handler and `session.webRequest`), and the build
 * writes it into `renderer/index.html`'s `<meta>` (the plugin in vite.config.ts), so the page
 * carries the same policy even where it is served without headers (the fake-bridge bundle).
 *
 * The renderer is a static bundle that talks to nothing but its own origin: no inline script
 * or style elements, no eval, no frames, no plugins, no form posts, no <base> rewriting.
 * Pure data, no imports: the Vite config and the Electron main process read it too.
 */
const DIRECTIVES: readonly string[] = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
  "object-src 'none'",
];

/**
 * Directives a `<meta>` cannot carry: browsers ignore them there and log a console error
 * (a newcomer reads that as a bug). The header has them.
 */
export const HEADER_ONLY_DIRECTIVES: ReadonlySet<string> = new Set(['frame-ancestors', 'report-uri', 'sandbox']);

const directiveName = (directive: string) => directive.split(' ', 1)[0] ?? '';

/** The policy as the `Content-Security-Policy` response header. */
export const CONTENT_SECURITY_POLICY = DIRECTIVES.join('; ');

/** The same policy minus the header-only directives, for `<meta http-equiv="Content-Security-Policy">`. */
export const META_CONTENT_SECURITY_POLICY = DIRECTIVES.filter(
  (d) => !HEADER_ONLY_DIRECTIVES.has(directiveName(d)),
).join('; ');

/** What `renderer/index.html` holds in the meta's `content` until the build writes the policy there. */
export const CSP_META_PLACEHOLDER = '__HESO_CONTENT_SECURITY_POLICY__';
