/**
 * The browser bridge against a real web host over real HTTP (Node's fetch stands in for the
 * page's; the host sees no Origin, as for a same-origin GET), signed in with the session
 * cookie the one-time URL token was exchanged for. The in-page sign-in (the browser following
 * the redirect and keeping the cookie) is covered by the Playwright e2e suite.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createWebBridge } from '../../renderer/bridge/web-bridge.ts';
import { startWebHost, type WebHost } from '../../src/app/host/web-host.ts';
import { BridgeError } from '../../src/app/wire.ts';
import type { ConnectionState } from '../../src/approver/api.ts';
import { FAKE_CONNECTION, FakeEngine, fakeItem } from './support/fake-engine.ts';
import { fetchWithCookie, signIn } from './support/sign-in.ts';

describe('web bridge over the loopback web host', () => {
  let dir: string;
  let host: WebHost;
  let engine: FakeEngine;
  const aborts: AbortController[] = [];
  let session: string;
  const bridge = (cookie: string | null) => {
    const controller = new AbortController();
    aborts.push(controller);
    return createWebBridge(host.origin, { signal: controller.signal, fetch: fetchWithCookie(cookie) });
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'heso-bridge-'));
    engine = new FakeEngine();
    engine.items.set('ap-1', fakeItem('ap-1'));
    host = await startWebHost({ engine, rendererDir: dir });
    session = await signIn(host);
  });
  after(async () => {
    for (const c of aborts) c.abort();
    await host.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('invokes contract channels and unwraps results', async () => {
    const heso = bridge(session);
    assert.deepEqual(await heso.invoke('approval:get', { approvalId: 'ap-1' }), fakeItem('ap-1'));
    assert.equal((await heso.invoke('app:info', null)).shell, 'browser');
  });

  it('rejects with a BridgeError naming the field for bad args, and refuses unknown channels locally', async () => {
    const heso = bridge(session);
    await assert.rejects(
      heso.invoke('approval:decide', { approvalId: 'ap-1', decision: 'deny' }),
      (err: unknown) => err instanceof BridgeError && err.code === 'bad_request' && err.field === 'reason',
    );
    const calls = engine.calls.length;
    await assert.rejects(
      (heso.invoke as (c: string, a: unknown) => Promise<unknown>)('engine:sign', null),
      (err: unknown) => err instanceof BridgeError && err.code === 'unknown_channel',
    );
    assert.equal(engine.calls.length, calls);
  });

  it('without the session cookie every call is refused', async () => {
    await assert.rejects(
      bridge(`${session.split('=')[0]}=${'x'.repeat(43)}`).invoke('app:info', null),
      (err: unknown) => err instanceof BridgeError && err.code === 'forbidden',
    );
    await assert.rejects(
      bridge(null).invoke('app:info', null),
      (err: unknown) => err instanceof BridgeError && err.code === 'forbidden',
    );
  });

  it('delivers events as payloads only, and stops after unsubscribe', async () => {
    const heso = bridge(session);
    const seen: string[] = [];
    const first = new Promise<ConnectionState>((resolve) => {
      const off = heso.on('connection', (c) => {
        off();
        resolve(c);
      });
    });
    assert.deepEqual(await first, FAKE_CONNECTION, 'the current state arrives on connect');
    const offNavigate = heso.on('navigate', (p) => seen.push(p.approvalId));
    const second = new Promise<void>((resolve) => {
      const off = heso.on('navigate', () => {
        off();
        resolve();
      });
    });
    host.send('navigate', { approvalId: 'ap-1' });
    await second;
    offNavigate();
    host.send('navigate', { approvalId: 'ap-2' });
    engine.emit('queue', { profile: null, items: [], connection: FAKE_CONNECTION });
    // Wait for a later event on a fresh listener, so ap-2 has certainly been processed.
    await new Promise<void>((resolve) => {
      const off = heso.on('queue', () => {
        off();
        resolve();
      });
      engine.emit('queue', { profile: null, items: [], connection: FAKE_CONNECTION });
    });
    assert.deepEqual(seen, ['ap-1']);
  });

  it('reports lost contact as a reconnecting connection state when the session is refused', async () => {
    const heso = bridge(`${session.split('=')[0]}=${'y'.repeat(43)}`);
    const state = await new Promise<ConnectionState>((resolve) => {
      const off = heso.on('connection', (c) => {
        off();
        resolve(c);
      });
    });
    assert.equal(state.kind, 'reconnecting');
    assert.match(state.message, /npm start/);
  });
});
