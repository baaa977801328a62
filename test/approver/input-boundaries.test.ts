/**
 * One schema per engine input (src/approver/inputs.ts): the IPC contract, the `heso-approver`
 * CLI and the engine itself refuse the same bad input with the same message, before anything
 * is fetched, signed or written to the keychain.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createDispatcher } from '../../src/app/dispatch.ts';
import { ApproverEngine } from '../../src/approver/engine.ts';
import { InputError } from '../../src/approver/errors.ts';
import { InMemoryKeyStore } from '../../src/approver/key-store.ts';
import { FakeEngine } from '../app/support/fake-engine.ts';
import { tempDir } from './helpers.ts';

const BIN = fileURLToPath(new URL('../../bin/heso-approver.mjs', import.meta.url));

let dir: ReturnType<typeof tempDir>;
let engine: ApproverEngine;
before(() => {
  dir = tempDir();
  engine = new ApproverEngine({ configDir: dir.path, keyStore: new InMemoryKeyStore() });
});
after(() => dir.cleanup());

const dispatcher = createDispatcher(new FakeEngine(), {
  settings: {
    get: () => ({ notifications: true, launchAtLogin: false, closeToTray: true }),
    update: async (s) => ({ notifications: true, launchAtLogin: false, closeToTray: true, ...s }),
  },
  appInfo: { version: '0', platform: 'linux', shell: 'browser' },
});

/** The IPC refusal's message, e.g. `Invalid argument for approval:decide: reason: …`. */
async function ipcRefusal(channel: string, args: unknown): Promise<string> {
  const out = await dispatcher.dispatch(channel, args);
  assert.equal(out.ok, false, `${channel} should refuse ${JSON.stringify(args)}`);
  return out.ok ? '' : out.error.message;
}

/** The engine's refusal: an InputError whose message is `field: what is wrong`. */
async function engineRefusal(call: Promise<unknown>): Promise<string> {
  const err = await call.then(
    () => assert.fail('the engine should refuse'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof InputError, String(err));
  return err.message;
}

/** The CLI's refusal (`--json`): exit 2 (usage) and the error message. */
function cliRefusal(args: string[], stdin = ''): Promise<string> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args, '--config-dir', dir.path, '--json'],
      { encoding: 'utf8' },
      (error, stdout) => {
        assert.equal(error ? Number(error.code) : 0, 2, stdout);
        resolve(JSON.parse(stdout).error.message);
      },
    );
    child.stdin?.end(stdin);
  });
}

const BAD_DECISIONS: { name: string; input: { approvalId: string; reason?: string }; message: RegExp }[] = [
  { name: 'deny without a reason', input: { approvalId: 'ap-1' }, message: /^reason: a reason is required to deny$/ },
  { name: 'deny with a blank reason', input: { approvalId: 'ap-1', reason: '  ' }, message: /^reason: a reason is/ },
  {
    name: 'a reason over 2000 characters',
    input: { approvalId: 'ap-1', reason: 'x'.repeat(2001) },
    message: /^reason: .*2000/,
  },
  {
    name: 'an approval id with a slash',
    input: { approvalId: '../ap-1', reason: 'no' },
    message: /^approvalId: may contain only/,
  },
];

for (const { name, input, message } of BAD_DECISIONS) {
  test(`decide, ${name}: the IPC contract, the CLI and the engine refuse it in the same words`, async () => {
    const fromEngine = await engineRefusal(engine.decide({ ...input, decision: 'deny' }));
    assert.match(fromEngine, message);
    assert.equal(
      await ipcRefusal('approval:decide', { ...input, decision: 'deny' }),
      `Invalid argument for approval:decide: ${fromEngine}`,
    );
    const reason = input.reason === undefined ? [] : ['--reason', input.reason];
    assert.equal(await cliRefusal(['deny', input.approvalId, ...reason]), fromEngine);
  });
}

test('a reason counts Unicode code points at every boundary: 2000 emoji pass the input check', async () => {
  const reason = '😀'.repeat(2000);
  const ipc = await dispatcher.dispatch('approval:decide', { approvalId: 'ap-1', decision: 'deny', reason });
  assert.equal(ipc.ok, true, JSON.stringify(ipc));
  // Past the input check the engine looks for a profile: there is none on this device.
  await assert.rejects(engine.decide({ approvalId: 'ap-1', decision: 'deny', reason }), /No approver profile/);
});

test('approve without what was reviewed: the IPC contract and the engine refuse it in the same words', async () => {
  const fromEngine = await engineRefusal(engine.decide({ approvalId: 'ap-1', decision: 'approve' }));
  assert.match(fromEngine, /^reviewed: approve needs the approval as the person saw it/);
  const fromIpc = await ipcRefusal('approval:decide', { approvalId: 'ap-1', decision: 'approve' });
  assert.equal(fromIpc, `Invalid argument for approval:decide: ${fromEngine}`);
});

test('init with an API key too short to be one: the IPC contract, the CLI and the engine refuse it in the same words', async () => {
  const init = { endpoint: 'https://heso.example.com', teamId: 't1', apiKey: 'short', displayName: 'N' };
  const fromEngine = await engineRefusal(engine.initProfile(init));
  assert.equal(fromEngine, 'apiKey: looks too short to be an API key');
  assert.equal(await ipcRefusal('profiles:init', init), `Invalid argument for profiles:init: ${fromEngine}`);
  const cli = ['init', '--endpoint', init.endpoint, '--team', init.teamId, '--name', init.displayName];
  assert.equal(await cliRefusal(cli, `${init.apiKey}\n`), fromEngine);
  assert.deepEqual(await engine.listProfiles(), []);
});
