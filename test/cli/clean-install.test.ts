/**
 * The CLIs run from a clean production install: the project's files (what a clone has) copied
 * to a temp dir, `npm ci --omit=dev` there (which builds dist/cli/ through `prepare`), and then
 * each CLI from that copy, where no TypeScript loader, vite or other dev dependency exists.
 * One real install from the npm registry (minutes: better-sqlite3 compiles where no prebuilt
 * binary can be fetched); with the user's own npm settings and cache, as `npm ci` on their machine has.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT } from '../support/npm-run.ts';

// 4 minutes on an idle 2-core machine, mostly compiling better-sqlite3; far longer on a busy one.
const INSTALL_TIMEOUT_MS = 30 * 60_000;
const scratch = mkdtempSync(join(tmpdir(), 'heso-clean-install-'));
const copy = join(scratch, 'heso');
let server: ChildProcess | null = null;

/** The files a clone of this commit has: tracked ones, plus new ones not ignored (not yet committed). */
function copyProject(to: string): void {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  for (const file of listed.split('\0').filter(Boolean)) {
    const from = join(REPO_ROOT, file);
    if (!existsSync(from)) continue; // deleted in the working tree, not yet committed
    mkdirSync(dirname(join(to, file)), { recursive: true });
    copyFileSync(from, join(to, file));
  }
}

/** Runs a CLI of the copy to its end; fails the test with its output when it exits non-zero. */
function cli(name: string, args: string[]): string {
  const run = spawnSync(process.execPath, [join(copy, 'bin', `${name}.mjs`), ...args], {
    cwd: copy,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(run.status, 0, `${name} ${args.join(' ')} exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

describe('the CLIs from `npm ci --omit=dev`', { timeout: INSTALL_TIMEOUT_MS + 120_000 }, () => {
  before(() => {
    copyProject(copy);
    const install = spawnSync('npm', ['ci', '--omit=dev', '--prefer-offline'], {
      cwd: copy,
      encoding: 'utf8',
      timeout: INSTALL_TIMEOUT_MS,
      env: {
        ...process.env,
        // The tests run in a throw-away HOME (the keyring session): npm gets the user's own
        // settings and cache back, as CI's `npm ci` has them (e.g. `nodedir` for better-sqlite3's build).
        npm_config_userconfig: join(userInfo().homedir, '.npmrc'),
        npm_config_cache: join(userInfo().homedir, '.npm'),
        ELECTRON_SKIP_BINARY_DOWNLOAD: '1',
        npm_config_update_notifier: 'false',
      },
    });
    // npm exits 1 when the timeout's SIGTERM reaches it: say which it was.
    if (install.error) assert.fail(`npm ci --omit=dev did not finish: ${install.error.message}`);
    const output = `${install.stdout}\n${install.stderr}`.slice(-6000);
    assert.equal(install.status, 0, `npm ci --omit=dev failed (${install.status ?? install.signal}):\n${output}`);
  });
  after(() => {
    server?.kill('SIGKILL');
    rmSync(scratch, { recursive: true, force: true });
  });

  test('the install has no dev dependency, and prepare built the CLIs', () => {
    for (const devOnly of ['tsx', 'vite', 'typescript', 'electron'])
      assert.ok(!existsSync(join(copy, 'node_modules', devOnly)), `${devOnly} is a dev dependency: not installed`);
    for (const name of ['heso', 'heso-cloud', 'heso-approver'])
      assert.ok(existsSync(join(copy, 'dist', 'cli', `${name}.js`)), `dist/cli/${name}.js was built`);
  });

  test('each CLI prints its help', () => {
    assert.match(cli('heso', ['--help']), /usage: heso <command>/);
    assert.match(cli('heso-cloud', ['--help']), /heso-cloud serve/);
    assert.match(cli('heso-approver', ['--help']), /Usage: heso-approver/);
  });

  test('heso verify checks the worked example receipt', () => {
    const out = cli('heso', ['verify', 'docs/examples/receipt.json', '--trust', 'docs/examples/trust.json']);
    assert.match(out, /VALID and ALLOWED/);
  });

  test('heso-cloud serve answers /health', async () => {
    const db = join(scratch, 'cloud.db');
    const child = spawn(
      process.execPath,
      [join(copy, 'bin', 'heso-cloud.mjs'), 'serve', '--init', '--port', '0', '--db', db],
      {
        cwd: copy,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    server = child;
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no "listening" line within 60 s:\n${out}`)), 60_000);
      const read = (chunk: Buffer) => {
        out += chunk.toString();
        const match = /^listening (http:\/\/\S+)$/m.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`heso-cloud serve exited (${code}) before listening:\n${out}`));
      });
    });
    const res = await fetch(`${url}/v1/health`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
    child.kill('SIGTERM');
  });
});
