/**
 * `heso-approver` as a user runs it: real processes, the real OS keychain, a real
 * control plane. init → list → show (hostile characters escaped) → approve / deny →
 * history → verify-log (and tamper detection) → profile remove; plus the guard rails.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { accounts, KeyringKeyStore } from '../../src/approver/key-store.ts';
import { type CloudHandle, setupTeam, startCloud } from '../support/cloud.ts';
import { AGENT_WORKFLOW, KEYRING_SKIP, keychainOwnerOf, makeAgent, tempDir } from './helpers.ts';

const BIN = fileURLToPath(new URL('../../bin/heso-approver.mjs', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, ...opts.env }, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(opts.input ?? '');
  });
}

let cloud: CloudHandle;
let dir: ReturnType<typeof tempDir>;
before(async () => {
  dir = tempDir('heso-approver-cli-');
  if (!KEYRING_SKIP) cloud = await startCloud();
});
after(async () => {
  await cloud?.stop();
  dir.cleanup();
});

test('help, bad usage and API keys on the command line are refused with exit code 2', async () => {
  const help = await cli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /approve ID \[--reason R\] \[--yes\]/);
  const argKey = await cli(['init', '--api-key', 'heso_secret', '--json']);
  assert.equal(argKey.code, 2);
  assert.equal(JSON.parse(argKey.stdout).error.code, 'usage');
  assert.ok(!argKey.stdout.includes('heso_secret'));
  const unknown = await cli(['frobnicate', '--config-dir', dir.path]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
});

test('without a reachable keychain, init fails with exit 3 and says what to do', async () => {
  const configDir = join(dir.path, 'no-keychain');
  const r = await cli(
    [
      'init',
      '--config-dir',
      configDir,
      '--endpoint',
      'http://127.0.0.1:9',
      '--team',
      't1',
      '--name',
      'N',
      '--api-key-env',
      'K',
    ],
    { env: { K: 'heso_abc_123456', DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' } },
  );
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /OS keychain/);
  assert.match(r.stderr, /Unlock your keychain/);
});

test('init → list → show → approve → deny → history → verify-log → remove', { skip: KEYRING_SKIP }, async () => {
  const { teamId, apiKey } = await setupTeam(cloud);
  const configDir = join(dir.path, 'main');
  const g = ['--config-dir', configDir];

  // API key piped on stdin (not a terminal): never an argument.
  const init = await cli([...g, 'init', '--endpoint', cloud.url, '--team', teamId, '--name', 'Carol', '--json'], {
    input: `${apiKey}\n`,
  });
  assert.equal(init.code, 0, init.stdout + init.stderr);
  const profile = JSON.parse(init.stdout).profile;
  assert.equal(profile.keyStatus, 'pending');
  const keychain = new KeyringKeyStore();
  const owner = await keychainOwnerOf(configDir, profile.name);
  assert.equal(await keychain.get(accounts.apiKey(owner)), apiKey, 'API key in the keychain');
  assert.ok(!readFileSync(join(configDir, 'profiles.json'), 'utf8').includes(apiKey));

  await cloud.admin.activateApprover(teamId, profile.keyId);
  const status = await cli([...g, 'status', '--json']);
  assert.equal(status.code, 0, status.stderr);
  assert.equal(JSON.parse(status.stdout).profiles[0].profile.keyStatus, 'active');
  const key = JSON.parse((await cli([...g, 'key', 'show', '--json'])).stdout).key;
  assert.deepEqual(Object.keys(key).sort(), ['fingerprint', 'keyId', 'keyStatus', 'profile', 'publicKey']);

  const agent = makeAgent(cloud, teamId, apiKey);
  // The admin pins the agent's operator key for its workflow up front.
  const pinned = await cli([...g, 'trust', 'add-operator', agent.operatorPublicKey, '--workflow', AGENT_WORKFLOW]);
  assert.equal(pinned.code, 0, pinned.stdout + pinned.stderr);
  const hostile = await agent.open({ note: 'pay \u202Eevil\u202C now\x1b[2J', amount: 777 });
  const other = await agent.open();

  const list = await cli([...g, 'list', '--json']);
  assert.equal(list.code, 0);
  const items = JSON.parse(list.stdout).items as { approval: { id: string }; quarantined: boolean }[];
  assert.deepEqual(items.map((i) => i.approval.id).sort(), [hostile.id, other.id].sort());
  assert.ok(!list.stdout.includes('\u202E') && !list.stdout.includes('\x1b'), 'JSON output escapes hidden characters');

  const show = await cli([...g, 'show', hostile.id]);
  assert.equal(show.code, 0, show.stderr);
  assert.ok(!show.stdout.includes('\u202E') && !show.stdout.includes('\x1b'), 'never rendered raw');
  assert.ok(show.stdout.includes('"pay \\u202Eevil\\u202C now\\x1b[2J"'), show.stdout);
  assert.match(show.stdout, /bidirectional-override/);
  assert.match(show.stdout, /rule big-refunds/);
  assert.ok(show.stdout.includes(hostile.receipt.statement.actionHash));
  assert.match(show.stdout, /Short code +[0-9A-Z]{3}-[0-9A-Z]{3}/);
  assert.match(show.stdout, /Verification +OK/);
  assert.match(show.stdout, /params\.amount +777/);

  const unconfirmed = await cli([...g, 'approve', hostile.id]);
  assert.equal(unconfirmed.code, 2, 'no terminal and no --yes: refuse');
  assert.equal((await agent.poll(hostile.id)).status, 'pending');

  const approve = await cli([...g, 'approve', hostile.id, '--yes', '--json']);
  assert.equal(approve.code, 0, approve.stdout + approve.stderr);
  assert.equal(JSON.parse(approve.stdout).outcome.status, 'accepted');
  assert.equal((await agent.poll(hostile.id)).status, 'approved');

  assert.equal((await cli([...g, 'deny', other.id])).code, 2, 'deny needs --reason');
  const deny = await cli([...g, 'deny', other.id, '--reason', 'not today']);
  assert.equal(deny.code, 0, deny.stderr);
  assert.match(deny.stdout, /^accepted: Denied/);
  const again = await cli([...g, 'approve', other.id, '--yes', '--json']);
  assert.equal(again.code, 1);
  assert.equal(JSON.parse(again.stdout).outcome.status, 'already_decided');

  const history = JSON.parse((await cli([...g, 'history', '--json'])).stdout);
  assert.deepEqual(
    history.entries.map((e: { kind: string; decision: string | null }) => [e.kind, e.decision]),
    [
      ['enrol', null],
      ['decision', 'approve'],
      ['decision', 'deny'],
    ],
  );
  const verified = await cli([...g, 'verify-log']);
  assert.equal(verified.code, 0);
  assert.match(verified.stdout, /Audit log OK: 3 entries/);

  const logPath = JSON.parse((await cli([...g, 'verify-log', '--json'])).stdout).path as string;
  const lines = readFileSync(logPath, 'utf8').split('\n');
  lines[1] = lines[1]!.replace('"approve"', '"deny"');
  writeFileSync(logPath, lines.join('\n'));
  const tampered = await cli([...g, 'verify-log']);
  assert.equal(tampered.code, 1);
  assert.match(tampered.stdout, /FAILED.*entry 2 \(line 2\) was edited/);

  const remove = await cli([...g, 'profile', 'remove', profile.name, '--yes']);
  assert.equal(remove.code, 0, remove.stderr);
  assert.equal(await keychain.get(`${profile.name}:api-key`), null);
  assert.equal(await keychain.get(`${profile.name}:l1:${profile.keyId}`), null);
  assert.match((await cli([...g, 'profile', 'list'])).stdout, /No profiles/);
});

test('list --watch follows the live queue and stops cleanly on Ctrl-C', { skip: KEYRING_SKIP }, async () => {
  const { teamId, apiKey } = await setupTeam(cloud);
  const configDir = join(dir.path, 'watch');
  const init = await cli(
    [
      '--config-dir',
      configDir,
      'init',
      '--endpoint',
      cloud.url,
      '--team',
      teamId,
      '--name',
      'W',
      '--api-key-env',
      'HESO_KEY',
    ],
    { env: { HESO_KEY: apiKey } },
  );
  assert.equal(init.code, 0, init.stderr);
  const child: ChildProcess = spawn(process.execPath, [BIN, '--config-dir', configDir, 'list', '--watch', '--json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const events: { event: string; payload: { kind?: string; approval?: { id: string } } }[] = [];
    let buffer = '';
    const waitFor = (match: (e: (typeof events)[number]) => boolean) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not seen; got ${JSON.stringify(events)}`)), 20_000);
        const check = () => {
          if (events.some(match)) {
            clearTimeout(timer);
            resolve();
            return true;
          }
          return false;
        };
        if (!check()) child.stdout?.on('data', check);
      });
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      for (const line of parts) if (line.trim()) events.push(JSON.parse(line));
    });
    await waitFor((e) => e.event === 'connection' && e.payload.kind === 'online');
    const opened = await makeAgent(cloud, teamId, apiKey).open();
    await waitFor((e) => e.event === 'added' && e.payload.approval?.id === opened.id);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    assert.equal(await exited, 0);
  } finally {
    child.kill('SIGKILL');
    await cli(['--config-dir', configDir, 'profile', 'remove', teamId, '--yes']);
  }
});
