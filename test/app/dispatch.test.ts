import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Settings } from '../../src/app/contract.ts';
import { createDispatcher, type SettingsPort } from '../../src/app/dispatch.ts';
import { INTERNAL_MESSAGE } from '../../src/app/safe-error.ts';
import { ApproverError, KeychainUnavailableError } from '../../src/approver/errors.ts';
import { FAKE_CONNECTION, FakeEngine, fakeItem } from './support/fake-engine.ts';

const API_KEY = 'hk_live_SUPERSECRET_0123456789';
/** What the approver reviewed (a ReviewedItem), as the UI sends it with approve. */
function reviewed(approvalId: string) {
  return {
    approvalId,
    teamId: 'team-1',
    receiptId: 'rcpt-1',
    actionHash: `sha256:${'ab'.repeat(32)}`,
    operatorKeyId: 'cd'.repeat(16),
    policyVersion: 'demo-1',
    ruleId: 'big-refunds',
    challenge: 'A'.repeat(43),
    expiresAt: '2026-01-01T00:10:00.000Z',
  };
}

function setup() {
  const engine = new FakeEngine();
  let settings: Settings = { notifications: true, launchAtLogin: false, closeToTray: true };
  const port: SettingsPort = {
    get: () => settings,
    update: async (patch) => {
      settings = { ...settings, ...patch };
      return settings;
    },
  };
  const dispatcher = createDispatcher(engine, {
    settings: port,
    appInfo: { version: '1.2.3', platform: 'linux', shell: 'electron' },
  });
  return { engine, dispatcher };
}

const initArgs = {
  endpoint: 'https://heso.example.com',
  teamId: 'team-1',
  apiKey: API_KEY,
  displayName: 'Ada',
};

describe('createDispatcher', () => {
  it('routes each channel to the engine and returns plain JSON', async () => {
    const { engine, dispatcher } = setup();
    engine.items.set('ap-1', fakeItem('ap-1'));
    assert.deepEqual(await dispatcher.dispatch('app:info', null), {
      ok: true,
      value: { version: '1.2.3', platform: 'linux', shell: 'electron' },
    });
    const init = await dispatcher.dispatch('profiles:init', initArgs);
    assert.equal(init.ok, true);
    assert.equal(engine.calls.at(-1)?.method, 'initProfile');
    assert.deepEqual(await dispatcher.dispatch('queue:start', { name: 'team-1' }), { ok: true, value: null });
    assert.deepEqual(engine.calls.at(-1), { method: 'start', args: ['team-1'] });
    const item = await dispatcher.dispatch('approval:get', { approvalId: 'ap-1' });
    assert.deepEqual(item, { ok: true, value: fakeItem('ap-1') });
    assert.deepEqual(await dispatcher.dispatch('approval:get', { approvalId: 'nope' }), { ok: true, value: null });
    const decided = await dispatcher.dispatch('approval:decide', {
      approvalId: 'ap-1',
      decision: 'approve',
      reviewed: reviewed('ap-1'),
    });
    assert.equal(decided.ok && (decided.value as { status: string }).status, 'accepted');
    assert.deepEqual(engine.calls.at(-1), {
      method: 'decide',
      args: [{ approvalId: 'ap-1', decision: 'approve', reviewed: reviewed('ap-1'), returnWhenQueued: true }],
    });
    const trusted = await dispatcher.dispatch('operators:trustItem', { approvalId: 'ap-1', fingerprint: 'AAAA BBBB' });
    assert.equal(trusted.ok, true);
    assert.deepEqual(engine.calls.at(-1), {
      method: 'trustItemOperator',
      args: [{ approvalId: 'ap-1', fingerprint: 'AAAA BBBB' }],
    });
    assert.deepEqual(await dispatcher.dispatch('operators:list', {}), { ok: true, value: [] });
    const withdrawn = await dispatcher.dispatch('approval:withdraw', { approvalId: 'ap-1' });
    assert.deepEqual(withdrawn, { ok: true, value: { withdrawn: true, message: 'Withdrawn.' } });
    assert.deepEqual(engine.calls.at(-1), { method: 'withdrawDecision', args: ['ap-1'] });
    const snap = await dispatcher.dispatch('queue:snapshot', undefined);
    assert.equal(snap.ok && (snap.value as { connection: unknown }).connection !== undefined, true);
    const set = await dispatcher.dispatch('settings:set', { launchAtLogin: true });
    assert.deepEqual(set, { ok: true, value: { notifications: true, launchAtLogin: true, closeToTray: true } });
    assert.deepEqual(await dispatcher.dispatch('history:get', {}), {
      ok: true,
      value: { entries: [], verification: { ok: true, count: 0, problem: null } },
    });
  });

  it('refuses bad arguments with an error naming the field, before the engine runs', async () => {
    const { engine, dispatcher } = setup();
    const short = await dispatcher.dispatch('profiles:init', { ...initArgs, apiKey: 'x' });
    assert.equal(short.ok, false);
    assert.equal(!short.ok && short.error.code, 'bad_request');
    assert.equal(!short.ok && short.error.field, 'apiKey');
    assert.match(!short.ok ? short.error.message : '', /apiKey/);
    const deny = await dispatcher.dispatch('approval:decide', { approvalId: 'ap-1', decision: 'deny' });
    assert.equal(!deny.ok && deny.error.field, 'reason');
    const extra = await dispatcher.dispatch('queue:start', { name: 'team-1', evil: true });
    assert.equal(!extra.ok && extra.error.code, 'bad_request');
    assert.match(!extra.ok ? extra.error.message : '', /evil/);
    const badId = await dispatcher.dispatch('approval:get', { approvalId: '../etc' });
    assert.equal(!badId.ok && badId.error.field, 'approvalId');
    const badDecision = await dispatcher.dispatch('approval:decide', { approvalId: 'a', decision: 'maybe' });
    assert.equal(!badDecision.ok && badDecision.error.field, 'decision');
    // Approve must carry what the approver reviewed, so the engine can refuse a changed approval.
    const unbound = await dispatcher.dispatch('approval:decide', { approvalId: 'ap-1', decision: 'approve' });
    assert.equal(!unbound.ok && unbound.error.field, 'reviewed');
    const badHash = await dispatcher.dispatch('approval:decide', {
      approvalId: 'ap-1',
      decision: 'approve',
      reviewed: { ...reviewed('ap-1'), actionHash: 'sha256:nope' },
    });
    assert.equal(!badHash.ok && badHash.error.field, 'reviewed.actionHash');
    const otherItem = await dispatcher.dispatch('approval:decide', {
      approvalId: 'ap-1',
      decision: 'approve',
      reviewed: reviewed('ap-2'),
    });
    assert.equal(!otherItem.ok && otherItem.error.field, 'reviewed.approvalId');
    const legacy = await dispatcher.dispatch('approval:decide', {
      approvalId: 'ap-1',
      decision: 'approve',
      reviewed: reviewed('ap-1'),
      actionHash: `sha256:${'ab'.repeat(32)}`,
    });
    assert.equal(!legacy.ok && legacy.error.code, 'bad_request', 'the old actionHash field is gone');
    assert.equal(engine.calls.filter((c) => c.method !== 'snapshot').length, 0);
  });

  it('refuses unknown channels', async () => {
    const { dispatcher } = setup();
    for (const channel of ['engine:exportKey', '__proto__', 'constructor', 'toString', '']) {
      const out = await dispatcher.dispatch(channel, null);
      assert.equal(!out.ok && out.error.code, 'unknown_channel', channel);
    }
  });

  it('turns engine errors into { code, message } and never leaks a stack or a secret', async () => {
    const { engine, dispatcher } = setup();
    engine.failNext = {
      method: 'initProfile',
      error: new ApproverError('enrol_failed', `Enrolment refused for key ${API_KEY} (Bearer ${API_KEY})`),
    };
    const out = await dispatcher.dispatch('profiles:init', initArgs);
    assert.equal(out.ok, false);
    const text = JSON.stringify(out);
    assert.equal(text.includes(API_KEY), false);
    assert.equal(text.includes('SUPERSECRET'), false);
    assert.equal(!out.ok && out.error.code, 'enrol_failed');
    assert.equal(/at .*\.ts:\d+/.test(text), false, 'no stack frames');

    engine.failNext = { method: 'initProfile', error: new KeychainUnavailableError('store the key', 'AccessDenied') };
    const keychain = await dispatcher.dispatch('profiles:init', initArgs);
    assert.equal(!keychain.ok && keychain.error.code, 'keychain_unavailable');
    assert.match(!keychain.ok ? keychain.error.message : '', /keychain/i);

    const bug = new TypeError(`cannot read property of undefined; key=${API_KEY} at /home/x/secret/path.ts:12`);
    engine.failNext = { method: 'decide', error: bug };
    const internal = await dispatcher.dispatch('approval:decide', {
      approvalId: 'a',
      decision: 'approve',
      reviewed: reviewed('a'),
    });
    assert.deepEqual(internal, { ok: false, error: { code: 'internal', message: INTERNAL_MESSAGE } });

    engine.failNext = {
      method: 'start',
      error: Object.assign(new Error('ENOENT: /home/u/.config'), { code: 'ENOENT' }),
    };
    const fsError = await dispatcher.dispatch('queue:start', { name: 'x' });
    assert.deepEqual(fsError, { ok: false, error: { code: 'internal', message: INTERNAL_MESSAGE } });
  });

  it('has no channel that opens a URL outside the app', async () => {
    const { dispatcher } = setup();
    const names: readonly string[] = dispatcher.channels;
    assert.equal(names.includes('shell:openExternal'), false);
    assert.deepEqual(await dispatcher.dispatch('shell:openExternal', { url: 'https://docs.example.com/a' }), {
      ok: false,
      error: { code: 'unknown_channel', message: 'Unknown request "shell:openExternal".' },
    });
  });

  it('forwards engine queue and connection events to a subscriber until unsubscribed', () => {
    const { engine, dispatcher } = setup();
    const seen: Array<[string, unknown]> = [];
    const off = dispatcher.subscribe((event, payload) => seen.push([event, payload]));
    engine.emit('connection', FAKE_CONNECTION);
    engine.emit('added', fakeItem('x'));
    engine.emit('queue', { profile: null, items: [], connection: FAKE_CONNECTION });
    assert.deepEqual(
      seen.map(([e]) => e),
      ['connection', 'queue'],
    );
    off();
    assert.equal(engine.listenerCount('queue'), 0);
    assert.equal(engine.listenerCount('connection'), 0);
  });
});
