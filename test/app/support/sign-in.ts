/** Signs in to a loopback web host as a browser would: exchanges the URL token for the session cookie. */
import { request } from 'node:http';
import type { WebHost } from '../../../src/app/host/web-host.ts';

/** The `name=value` pair of the session cookie the host set for its one-time URL. */
export function signIn(host: WebHost): Promise<string> {
  return new Promise((resolve, reject) => {
    const url = new URL(host.url);
    const req = request(
      { host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, headers: { host: url.host } },
      (res) => {
        res.resume();
        const cookie = res.headers['set-cookie']?.[0]?.split(';')[0];
        if (res.statusCode !== 303 || !cookie) reject(new Error(`sign-in answered ${res.statusCode} without a cookie`));
        else resolve(cookie);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** A fetch that sends `cookie` with every request, as the browser does for its own origin. */
export function fetchWithCookie(cookie: string | null): typeof fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    if (cookie) headers.set('cookie', cookie);
    return fetch(input, { ...init, headers });
  };
}
