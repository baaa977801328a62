/**
 * Who may talk to the loopback web host. Anything on this machine can open a socket to
 * 127.0.0.1, and any web page the user visits can make their browser send requests there,
 * so every request must prove it comes from the page we served:
 *  - the Host header names our own loopback address and port (a DNS-rebinding page sends its
 *    own host name there);
 *  - the Origin header, when the browser sends one, is our own origin (a foreign page, or
 *    another localhost port, sends its own);
 *  - Sec-Fetch-Site, when sent, is same-origin or none (user typed / opened the URL);
 *  - the per-run token (≥128 random bits, compared in constant time) is present.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const TOKEN_HEADER = 'x-heso-token';
export const TOKEN_QUERY = 'token';
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{22,128}$/;

/** 32 random bytes, base64url: 256 bits. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function isAcceptableToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

export function tokensEqual(expected: string, presented: unknown): boolean {
  if (typeof presented !== 'string' || presented.length > 256) return false;
  // Hash both sides so the comparison is constant-time regardless of length.
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, b);
}

/**
 * The value of the static-asset cookie: derived from the token, so it is useless for RPC if
 * it ever leaks (cookies are not port-scoped: other localhost ports see them).
 */
export function assetCookieValue(token: string): string {
  return createHmac('sha256', token).update('heso static assets v1').digest('base64url');
}

export function assetCookieName(port: number): string {
  return `heso_assets_${port}`;
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export interface OriginCheck {
  port: number;
}

/** Host must be our loopback name and port; Origin and Sec-Fetch-Site must not be foreign. */
export function isOwnOriginRequest(headers: IncomingHttpHeaders, { port }: OriginCheck): boolean {
  const host = headers.host;
  const allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  if (typeof host !== 'string' || !allowedHosts.includes(host.toLowerCase())) return false;
  const origin = headers.origin;
  if (origin !== undefined && origin !== `http://${host.toLowerCase()}`) return false;
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  return true;
}

export function headerToken(headers: IncomingHttpHeaders): string | undefined {
  const value = headers[TOKEN_HEADER];
  return typeof value === 'string' ? value : undefined;
}
