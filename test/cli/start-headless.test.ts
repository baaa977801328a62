/**
 * `npm start` on a Linux machine with no Secret Service: it says so and shows the command
 * that works there; at a terminal it offers a private throw-away keyring session, and when
 * accepted starts it, announces it, serves the app from inside it, and a Ctrl-C typed at that
 * terminal stops everything and removes the session's folder.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { eventually, leftovers, NO_SECRET_SERVICE, type NpmRun, npmRun, processesUsing } from '../support/npm-run.ts';

const START = ['start', '--', '--browser'];
const NOT_REACHABLE = /The OS keychain is not reachable: .*AccessDenied/;
const SERVING = /Open this URL in your browser[\s\S]*http:\/\/127\.0\.0\.1:\d+\/\?token=/;

// Never the user's own profiles: the app's config goes to a scratch folder outside the run's TMPDIR.
const configDir = mkdtempSync(join(tmpdir(), 'heso-start-config-'));
const HEADLESS = { ...NO_SECRET_SERVICE, HESO_APPROVER_CONFIG_DIR: configDir };

const runs: NpmRun[] = [];
after(async () => {
  for (const run of runs) await run.dispose();
  rmSync(configDir, { recursive: true, force: true });
});

describe('npm start with no Secret Service', { concurrency: 1 }, () => {
  test('says so and shows the command that works on a server', async () => {
    const run = npmRun(START, HEADLESS);
    runs.push(run);
    const out = await run.waitFor(SERVING);
    assert.match(out, NOT_REACHABLE);
    assert.match(out, /sh scripts\/with-keyring\.sh npm start/);
    assert.match(out, /Starting anyway: the app opens, but cannot make or use an approver key/);
    // Not at a terminal: nothing is started behind the user's back.
    assert.doesNotMatch(out, /Starting a private, throw-away keyring session/);
    assert.equal(
      leftovers(run.tmp).some((n) => n.startsWith('heso-keyring.')),
      false,
    );
    run.interrupt();
    await run.exit;
    assert.ok(await eventually(() => processesUsing(run.tmp).length === 0), run.output());
  });

  test('at a terminal: offers the private session, starts it when accepted, Ctrl-C cleans up', async () => {
    const run = npmRun(START, HEADLESS, 'tty');
    runs.push(run);
    await run.waitFor(/Start a private, throw-away keyring session for this run\? \[y\/N\]/);
    assert.match(run.output(), NOT_REACHABLE);
    run.child.stdin?.write('y\r');
    const out = await run.waitFor(SERVING);
    assert.match(out, /Starting a private, throw-away keyring session for this run \(sh scripts\/with-keyring\.sh\)/);
    // Served from inside the session: the keychain answers there, so no second warning.
    assert.equal(out.match(/keychain is not reachable/g)?.length, 1, out);
    assert.ok(
      leftovers(run.tmp).some((n) => n.startsWith('heso-keyring.')),
      'the session folder is in TMPDIR',
    );
    run.child.stdin?.write('\x03'); // Ctrl-C typed at the terminal
    await run.exit;
    assert.ok(
      await eventually(() => processesUsing(run.tmp).length === 0),
      `still running: ${processesUsing(run.tmp)}\n${run.output()}`,
    );
    assert.deepEqual(leftovers(run.tmp), [], run.output());
  });
});
