/**
 * `npm run demo` as a newcomer runs it. On a Linux machine with no Secret Service it says so,
 * starts a private throw-away keyring session and announces it. Stopped by Ctrl-C (SIGINT to
 * the terminal's process group) or by SIGTERM to npm alone (a supervisor, `docker stop`),
 * every process of the demo exits and nothing is left in the temp dir: no heso-keyring.*
 * session folder, no heso-demo-* data. With a keychain it runs directly and cleans up the
 * same way, its keychain items included.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { KEYCHAIN_SERVICE } from '../../src/approver/key-store.ts';
import { keychainLabels } from '../support/keychain.ts';
import { eventually, leftovers, NO_SECRET_SERVICE, type NpmRun, npmRun, processesUsing } from '../support/npm-run.ts';

const DEMO = ['run', 'demo', '--', '--browser', '--interval', '600000'];
const READY = /Ctrl-C stops everything/;

const runs: NpmRun[] = [];
after(async () => {
  for (const run of runs) await run.dispose();
});

/** The approver profile the demo made (its keychain items are named after it). */
const profileOf = (out: string) =>
  /profile (demo-\w+), key /.exec(out)?.[1] ?? assert.fail(`no profile line in\n${out}`);
const itemsOf = (profile: string) => keychainLabels(KEYCHAIN_SERVICE).filter((label) => label.includes(`${profile}:`));

async function stopAndCheck(run: NpmRun, stop: () => void, expectedExit: number): Promise<void> {
  const during = leftovers(run.tmp);
  assert.ok(
    during.some((n) => n.startsWith('heso-demo-')),
    `the demo keeps its data in TMPDIR while running: ${during}`,
  );
  stop();
  assert.equal(await run.exit, expectedExit, `npm's exit code\n${run.output()}`);
  assert.ok(
    await eventually(() => processesUsing(run.tmp).length === 0),
    `demo processes still running: ${processesUsing(run.tmp)}\n${run.output()}`,
  );
  assert.deepEqual(leftovers(run.tmp), [], `left in the temp dir\n${run.output()}`);
  assert.match(run.output(), /Stopped; temporary data and keychain items removed\./);
  // A stop someone asked for is no failure: npm prints no error block for it.
  assert.doesNotMatch(run.output(), /npm (error|ERR!)/);
}

describe('npm run demo', { concurrency: 1 }, () => {
  test('with no Secret Service: says so, starts a private keyring session; Ctrl-C stops it all and cleans up', async () => {
    const run = npmRun(DEMO, NO_SECRET_SERVICE);
    runs.push(run);
    const out = await run.waitFor(READY);
    assert.match(out, /The OS keychain is not reachable here \(.+\)\./);
    assert.match(out, /Starting a private, throw-away keyring session for this run \(sh scripts\/with-keyring\.sh\)/);
    // The approver key really went into a keychain: the session's.
    assert.match(out, /profile demo-\w+, key \S+ \(pending\)/);
    assert.ok(
      leftovers(run.tmp).some((n) => n.startsWith('heso-keyring.')),
      'the session folder is in TMPDIR',
    );
    await stopAndCheck(run, () => run.interrupt(), 130);
  });

  test('with no Secret Service: SIGTERM to npm alone (a supervisor, docker stop) stops it all and cleans up', async () => {
    const run = npmRun(DEMO, NO_SECRET_SERVICE);
    runs.push(run);
    await run.waitFor(READY);
    // npm dies of it at once (its shell did); the demo notices and cleans up after it.
    await stopAndCheck(run, () => run.child.kill('SIGTERM'), 143);
  });

  test('with a keychain: runs directly; Ctrl-C cleans up, its keychain items included', async () => {
    const run = npmRun(DEMO);
    runs.push(run);
    const out = await run.waitFor(READY);
    assert.doesNotMatch(out, /keychain is not reachable|private, throw-away keyring session/);
    const profile = profileOf(out);
    assert.equal(itemsOf(profile).length, 2, 'the L1 key and the API key are in the keychain while it runs');
    await stopAndCheck(run, () => run.interrupt(), 130);
    assert.deepEqual(itemsOf(profile), [], 'the demo profile left keychain items');
  });
});
