#!/usr/bin/env node
// The outer half of scripts/with-keyring.sh: runs the command inside a private D-Bus session
// with a throw-away gnome-keyring, and owns the session's scratch folder (HOME, keyring files).
//
// Why a Node process and not the shell: it stays the session's top process, so a SIGINT or
// SIGTERM sent to it (Ctrl-C, a supervisor, `kill`) reaches the command, and the scratch
// folder is removed on every way out (normal exit, signal, failure to start). A folder left
// by a launcher that was SIGKILLed is removed by the next launcher (its owner pid is gone).
// It also drops the one harmless line dbus-daemon prints in containers ("Failed to set fd
// limit"), keeping everything else, and turns off npm's update notice (the throw-away HOME
// has no record of the last check, so npm would print it on every run).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const PREFIX = 'heso-keyring.';
const inner = new URL('./with-keyring.sh', import.meta.url).pathname;
const args = process.argv.slice(2);
if (args.length === 0) {
  process.stderr.write('usage: sh scripts/with-keyring.sh COMMAND [ARGS…]\n');
  process.exit(2);
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
};
const readPid = (file) => {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
};

// Folders of earlier sessions whose launcher died without cleaning up (only ours: they carry owner.pid).
for (const name of readdirSync(tmpdir()).filter((n) => n.startsWith(PREFIX))) {
  const owner = readPid(join(tmpdir(), name, 'owner.pid'));
  if (owner !== null && !alive(owner)) rmSync(join(tmpdir(), name), { recursive: true, force: true });
}

const scratch = mkdtempSync(join(tmpdir(), PREFIX));
writeFileSync(join(scratch, 'owner.pid'), `${process.pid}\n`);
const commandPid = () => readPid(join(scratch, 'command.pid'));

let cleaned = false;
function cleanup() {
  if (cleaned) return;
  cleaned = true;
  rmSync(scratch, { recursive: true, force: true });
}
process.on('exit', cleanup);

let child;
try {
  child = spawn(
    'dbus-run-session',
    ['--', 'env', 'HESO_KEYRING_SESSION=1', `HESO_KEYRING_SCRATCH=${scratch}`, 'sh', inner, ...args],
    // fd 3 is our own stderr: the command writes there directly (with-keyring.sh), so only the
    // session's daemons go through the filter below.
    {
      stdio: ['inherit', 'inherit', 'pipe', process.stderr],
      env: { ...process.env, npm_config_update_notifier: 'false' },
    },
  );
} catch (err) {
  process.stderr.write(`with-keyring: cannot start dbus-run-session: ${err.message}\n`);
  process.exit(127);
}
child.on('error', (err) => {
  process.stderr.write(
    `with-keyring: dbus-run-session not found (${err.message}). Install: apt-get install -y dbus gnome-keyring libsecret-tools\n`,
  );
  process.exit(127);
});
createInterface({ input: child.stderr }).on('line', (line) => {
  if (!/Failed to set fd limit/.test(line)) process.stderr.write(`${line}\n`);
});

// A signal to this process goes to the command (or, before it started, ends the session).
// A second one means "now" (the command gets SIGKILL), unless it comes within a second of the
// first: then it is the same request delivered twice (a terminal's Ctrl-C and a parent passing it on).
let firstSignalAt = 0;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    const now = Date.now();
    if (firstSignalAt !== 0 && now - firstSignalAt < 1000) return;
    const again = firstSignalAt !== 0;
    if (!again) firstSignalAt = now;
    const pid = commandPid();
    const target = pid !== null && alive(pid) ? pid : child.pid;
    try {
      process.kill(target, again ? 'SIGKILL' : signal);
    } catch {
      // already gone
    }
  });
}

child.on('exit', async (code, signal) => {
  // The command may outlive the session by a moment (it was signalled too): let it finish
  // with its files before they are removed, but never wait forever.
  const pid = commandPid();
  for (let i = 0; pid !== null && alive(pid) && i < 100; i++) await new Promise((r) => setTimeout(r, 100));
  cleanup();
  process.exit(code ?? (signal ? 128 + ({ SIGINT: 2, SIGTERM: 15, SIGKILL: 9, SIGHUP: 1 }[signal] ?? 1) : 1));
});
