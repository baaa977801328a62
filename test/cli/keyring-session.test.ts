/**
 * scripts/with-keyring.sh: the top process passes SIGINT/SIGTERM to the command, and the
 * session's scratch folder (heso-keyring.*) is removed on every way out, including a
 * launcher that was SIGKILLed earlier (the next one sweeps its folder). The session adds no
 * noise of its own to the command's output.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../scripts/with-keyring.sh', import.meta.url));
// Prints its HOME (inside the scratch folder), then waits to be signalled.
const WAITER = "console.log('HOME=' + process.env.HOME); setInterval(() => {}, 1000)";

function startSession(code = WAITER): { child: ChildProcess; home: Promise<string>; exit: Promise<number | null> } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.HESO_KEYRING_SESSION; // these tests may themselves run inside a session
  const child = spawn('sh', [SCRIPT, process.execPath, '-e', code], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const home = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /^HOME=(.+)$/m.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', () => reject(new Error(`session ended before the command started: ${out}`)));
  });
  child.stderr?.resume();
  const exit = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { child, home, exit };
}

describe('with-keyring.sh', { concurrency: 1 }, () => {
  for (const [signal, expected] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    test(`${signal} to the top process stops the command and removes the scratch folder`, async () => {
      const session = startSession();
      const home = await session.home;
      const scratch = dirname(home);
      assert.match(scratch, /heso-keyring\./);
      assert.ok(existsSync(scratch));
      session.child.kill(signal);
      assert.equal(await session.exit, expected);
      assert.equal(existsSync(scratch), false, `${scratch} was left behind`);
    });
  }

  test('no harmless noise: no D-Bus "Failed to set fd limit" line, npm’s update notice off', async () => {
    // As root in a container, dbus-daemon cannot raise its fd limit and says so on every start.
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.HESO_KEYRING_SESSION;
    delete env.npm_config_update_notifier; // npm test may set it; the session must turn it off itself
    // Outside the checkout (whose .npmrc turns it off too): the session itself must.
    const { stdout, stderr } = await execFileAsync('sh', [SCRIPT, 'npm', 'config', 'get', 'update-notifier'], {
      env,
      cwd: tmpdir(),
    });
    assert.equal(stdout.trim(), 'false', 'npm inside the session prints no update notice');
    assert.doesNotMatch(stderr, /fd limit/);
    assert.equal(stderr.trim(), '', 'the session itself prints nothing');
  });

  test('a normal exit keeps the exit code and removes the folder; a dead launcher’s folder is swept', async () => {
    const stale = mkdtempSync(join(tmpdir(), 'heso-keyring.'));
    // A pid that is not running: the largest possible one.
    writeFileSync(join(stale, 'owner.pid'), '4194304\n');
    const session = startSession("console.log('HOME=' + process.env.HOME); process.exit(7)");
    const scratch = dirname(await session.home);
    assert.equal(await session.exit, 7);
    assert.equal(existsSync(scratch), false);
    assert.equal(existsSync(stale), false, 'the folder of a launcher that died was removed');
  });
});
