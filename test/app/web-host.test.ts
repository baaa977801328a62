import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startWebHost, type WebHost } from '../../src/app/host/web-host.ts';
import { FakeEngine, fakeItem } from './support/fake-engine.ts';
import { signIn } from './support/sign-in.ts';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** node:http rather than fetch, so a test can send any Host / Origin header it likes. */
function raw(
  port: number,
  opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path ?? '/', headers: opts.headers ?? {} },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('loopback web host security', () => {
  let dir: string;
  let host: WebHost;
  let engine: FakeEngine;
  let own: Record<string, string>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'heso-webhost-'));
    const rendererDir = join(dir, 'renderer');
    await mkdir(join(rendererDir, 'assets'), { recursive: true });
    await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>HESO</title>');
    await writeFile(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
    await writeFile(join(dir, 'secret.txt'), 'outside the renderer');
    engine = new FakeEngine();
    engine.items.set('ap-1', fakeItem('ap-1'));
    host = await startWebHost({ engine, rendererDir, port: 0 });
    own = { host: `127.0.0.1:${host.port}`, cookie: await signIn(host), 'content-type': 'application/json' };
  });
  after(async () => {
    await host.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints a URL with a ≥128-bit token on the loopback origin', () => {
    assert.match(host.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
    assert.equal(host.origin, `http://127.0.0.1:${host.port}`);
  });

  it('answers a good RPC call with 200 and the CSP header', async () => {
    const res = await raw(host.port, {
      method: 'POST',
      path: '/rpc/approval:get',
      headers: own,
      body: '{"approvalId":"ap-1"}',
    });
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), { ok: true, value: fakeItem('ap-1') });
    assert.match(String(res.headers['content-security-policy']), /default-src 'none'/);
    assert.match(String(res.headers['content-security-policy']), /script-src 'self'/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
  });

  it('accepts the browser-sent own Origin and localhost:PORT', async () => {
    const viaOrigin = await raw(host.port, {
      method: 'POST',
      path: '/rpc/app:info',
      headers: { ...own, origin: host.origin, 'sec-fetch-site': 'same-origin' },
      body: 'null',
    });
    assert.equal(viaOrigin.status, 200);
    const localhost = `localhost:${host.port}`;
    const viaLocalhost = await raw(host.port, {
      method: 'POST',
      path: '/rpc/app:info',
      headers: { ...own, host: localhost, origin: `http://${localhost}` },
      body: 'null',
    });
    assert.equal(viaLocalhost.status, 200);
    assert.equal(JSON.parse(viaLocalhost.body).value.shell, 'browser');
  });

  const refusals: Array<[string, (h: WebHost, own: Record<string, string>) => Record<string, string>]> = [
    ['no session cookie', (_h, o) => ({ host: o.host ?? '', 'content-type': 'application/json' })],
    // The last character changed (to A, or B when it already is A: the value is random).
    [
      'wrong session cookie',
      (_h, o) => ({ ...o, cookie: `${o.cookie}`.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) }),
    ],
    ['session cookie of another length', (_h, o) => ({ ...o, cookie: `${`${o.cookie}`.split('=')[0]}=short` })],
    [
      'the URL token as a header instead of the cookie',
      (h, o) => ({ host: o.host ?? '', 'x-heso-token': h.token, 'content-type': 'application/json' }),
    ],
    ['bad Host (DNS rebinding)', (h, o) => ({ ...o, host: `evil.example:${h.port}` })],
    ['Host with another port', (h, o) => ({ ...o, host: `127.0.0.1:${h.port + 1}` })],
    ['foreign Origin', (_h, o) => ({ ...o, origin: 'https://evil.example' })],
    ['another localhost port as Origin', (h, o) => ({ ...o, origin: `http://127.0.0.1:${h.port + 1}` })],
    ['Origin null', (_h, o) => ({ ...o, origin: 'null' })],
    ['cross-site fetch metadata', (_h, o) => ({ ...o, 'sec-fetch-site': 'cross-site' })],
  ];
  for (const [label, headers] of refusals) {
    it(`refuses an RPC call with ${label} (403), without reaching the engine`, async () => {
      const before = engine.calls.length;
      const res = await raw(host.port, {
        method: 'POST',
        path: '/rpc/queue:start',
        headers: headers(host, own),
        body: '{"name":"team-1"}',
      });
      assert.equal(res.status, 403);
      assert.match(String(res.headers['content-security-policy']), /default-src 'none'/);
      assert.equal(engine.calls.length, before);
    });
  }

  it('refuses the event stream without the session cookie', async () => {
    const res = await raw(host.port, { path: `/events?token=${host.token}`, headers: { host: own.host ?? '' } });
    assert.equal(res.status, 403);
  });

  it('refuses bad arguments and unknown channels with a JSON error', async () => {
    const bad = await raw(host.port, {
      method: 'POST',
      path: '/rpc/approval:get',
      headers: own,
      body: '{"approvalId":7}',
    });
    assert.equal(bad.status, 400);
    assert.equal(JSON.parse(bad.body).error.field, 'approvalId');
    const unknown = await raw(host.port, { method: 'POST', path: '/rpc/engine:sign', headers: own, body: 'null' });
    assert.equal(unknown.status, 404);
    assert.equal(JSON.parse(unknown.body).error.code, 'unknown_channel');
    const badEscape = await raw(host.port, { method: 'POST', path: '/rpc/app%ZZinfo', headers: own, body: 'null' });
    assert.equal(badEscape.status, 404, 'a malformed escape is an unknown channel, not a server error');
    assert.equal(JSON.parse(badEscape.body).error.code, 'unknown_channel');
    const notJson = await raw(host.port, {
      method: 'POST',
      path: '/rpc/app:info',
      headers: { ...own, 'content-type': 'text/plain' },
      body: 'null',
    });
    assert.equal(notJson.status, 415);
    const getRpc = await raw(host.port, { path: '/rpc/app:info', headers: own });
    assert.equal(getRpc.status, 405);
  });

  it('exchanges the one-time URL token once for an HttpOnly, SameSite=Strict session cookie', async () => {
    const fresh = await startWebHost({ engine, rendererDir: join(dir, 'renderer'), port: 0 });
    try {
      const hostHeader = { host: `127.0.0.1:${fresh.port}` };
      const signInPath = `/?token=${fresh.token}`;
      assert.equal((await raw(fresh.port, { path: '/', headers: hostHeader })).status, 403, 'no cookie, no app');
      const probe = await raw(fresh.port, { method: 'HEAD', path: signInPath, headers: hostHeader });
      assert.equal(probe.status, 403, 'a HEAD does not sign in (and does not use up the token)');

      const first = await raw(fresh.port, { path: signInPath, headers: hostHeader });
      assert.equal(first.status, 303);
      assert.equal(first.headers.location, '/', 'the token leaves the address bar');
      const setCookie = first.headers['set-cookie'] ?? [];
      assert.equal(setCookie.length, 1);
      const attributes = (setCookie[0] ?? '').split(';').map((p) => p.trim());
      assert.match(attributes[0] ?? '', new RegExp(`^heso_session_${fresh.port}=[A-Za-z0-9_-]{43}$`));
      assert.deepEqual(attributes.slice(1).sort(), ['HttpOnly', 'Path=/', 'SameSite=Strict']);
      assert.equal(setCookie[0]?.includes(fresh.token), false, 'the cookie is not the token');
      const cookie = attributes[0] ?? '';

      const again = await raw(fresh.port, { path: signInPath, headers: hostHeader });
      assert.equal(again.status, 403, 'the second use of the URL token is refused');
      assert.match(again.body, /already used/);
      assert.equal(again.headers['set-cookie'], undefined);
      const reopened = await raw(fresh.port, { path: signInPath, headers: { ...hostHeader, cookie } });
      assert.equal(reopened.status, 303, 'the signed-in browser may open the printed link again');
      assert.equal(reopened.headers['set-cookie'], undefined, 'without a new session');

      const page = await raw(fresh.port, { path: '/', headers: { ...hostHeader, cookie } });
      assert.equal(page.status, 200);
      assert.match(page.body, /<title>HESO<\/title>/);
      assert.match(String(page.headers['content-security-policy']), /frame-ancestors 'none'/);
      const asset = await raw(fresh.port, { path: '/assets/app.js', headers: { ...hostHeader, cookie } });
      assert.equal(asset.status, 200);
      assert.match(String(asset.headers['content-type']), /javascript/);
      const rpc = await raw(fresh.port, {
        method: 'POST',
        path: '/rpc/app:info',
        headers: { ...hostHeader, cookie, 'content-type': 'application/json' },
        body: 'null',
      });
      assert.equal(rpc.status, 200, 'the cookie authenticates RPC');
      const byToken = await raw(fresh.port, {
        method: 'POST',
        path: '/rpc/app:info',
        headers: { ...hostHeader, 'x-heso-token': fresh.token, 'content-type': 'application/json' },
        body: 'null',
      });
      assert.equal(byToken.status, 403, 'the used token is no credential');
    } finally {
      await fresh.stop();
    }
  });

  it('refuses path traversal', async () => {
    for (const path of [
      '/../secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/assets/%00.js',
      '/.env',
      '/assets/..%5c..%5csecret.txt',
    ]) {
      const res = await raw(host.port, { path, headers: own });
      assert.ok(res.status === 403 || res.status === 404, `${path} → ${res.status}`);
      assert.equal(res.body.includes('outside the renderer'), false, path);
    }
  });

  it('streams contract events to a signed-in page', async () => {
    const controller = new AbortController();
    const res = await fetch(`${host.origin}/events`, {
      headers: { cookie: own.cookie ?? '' },
      signal: controller.signal,
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('event: connection')) text += (await reader.read()).value ?? '';
    host.send('navigate', { approvalId: 'ap-1' });
    while (!text.includes('event: navigate')) text += (await reader.read()).value ?? '';
    assert.match(text, /event: queue\ndata: \{"profile":"team-1"/);
    assert.match(text, /event: navigate\ndata: \{"approvalId":"ap-1"\}/);
    controller.abort();
  });
});

describe('startWebHost options', () => {
  it('refuses a non-loopback listen address and a weak token', async () => {
    const engine = new FakeEngine();
    await assert.rejects(startWebHost({ engine, rendererDir: tmpdir(), host: '0.0.0.0' }), /loopback/);
    await assert.rejects(startWebHost({ engine, rendererDir: tmpdir(), token: 'abc' }), /128 bits/);
  });
});
