/**
 * Who may talk to the loopback web host. Anything on this machine can open a socket to
 * 127.0.0.1, and any web page the user visits can make their browser send requests there,
 * so every request must prove it comes from the page we served:
 *  - the Host header names our own loopback address and port (a DNS-rebinding page sends its
 *    own host name there);
 *  - the Origin header, when the browser sends one, is our own origin (a foreign page, or
 *    another localhost port, sends its own);
 *  - Sec-Fetch-Site, when sent, is same-origin or none (user typed / opened the URL);
 *  - it carries the session cookie, which only the browser that exchanged the one-time URL
 *    token got (HttpOnly, so page scripts never see it; compared in constant time).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

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

/** Named after the port: cookies are not port-scoped, so two hosts on one machine must not overwrite each other's. */
export function sessionCookieName(port: number): string {
  return `heso_session_${port}`;
}

/** HttpOnly: no page script (nor an injected one) can read it. SameSite=Strict: never sent by another site's page. */
export function sessionCookie(port: number, value: string): string {
  return `${sessionCookieName(port)}=${value}; Path=/; HttpOnly; SameSite=Strict`;
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
