/**
 * Terminal injection: every CLI prints server- and input-derived text escaped, on error
 * paths too and inside --json. A hostile control plane (a proxy in front of a real
 * heso-cloud) answers with error messages full of ESC sequences, C1 controls, line breaks
 * and U+202E; the approver CLI's output must hold none of them raw. `heso verify` and
 * `heso-cloud` are fed the same characters through their inputs.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KEYRING_SKIP, tempDir } from '../approver/helpers.ts';
import { type CloudHandle, setupTeam, startCloud } from '../support/cloud.ts';
import { type HostileProxy, startHostileProxy } from '../support/hostile-proxy.ts';

const bin = (name: string) => fileURLToPath(new URL(`../../bin/${name}.mjs`, import.meta.url));

/** Clears the screen, paints "APPROVED" red, reverses the text after it, and fakes a new output line. */
const HOSTILE = '\x1b[2J\x1b[31mAPPROVED\x1b[0m \u202Edesrever\u202C \x9b31m\u200B\r\nheso-approver: approved';
/** Raw characters that must never reach the terminal. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: detecting control characters is the point
const RAW = /[\x1b\x9b\u202e\u202c\u200b\r]/u;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [bin(name), ...args],
      { env: { ...process.env, ...env }, encoding: 'utf8' },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end('');
  });
}

function assertClean(r: Run, what: string): void {
  assert.doesNotMatch(r.stdout, RAW, `${what}: raw control/bidi character on stdout: ${JSON.stringify(r.stdout)}`);
  assert.doesNotMatch(r.stderr, RAW, `${what}: raw control/bidi character on stderr: ${JSON.stringify(r.stderr)}`);
  assert.doesNotMatch(r.stdout + r.stderr, /\nheso-approver: approved/, `${what}: a faked output line`);
}

describe('heso-approver against a control plane whose errors carry terminal escapes', {
  skip: KEYRING_SKIP,
}, () => {
  let cloud: CloudHandle;
  let proxy: HostileProxy;
  let dir: ReturnType<typeof tempDir>;
  let configDir: string;
  let teamId: string;
  before(async () => {
    cloud = await startCloud();
    proxy = await startHostileProxy(cloud.url);
    dir = tempDir('heso-cli-injection-');
    configDir = join(dir.path, 'config');
    const team = await setupTeam(cloud);
    teamId = team.teamId;
    const init = await run(
      'heso-approver',
      [
        ...['init', '--config-dir', configDir, '--endpoint', proxy.url, '--team', teamId, '--name', 'N'],
        ...['--api-key-env', 'HESO_API_KEY'],
      ],
      { HESO_API_KEY: team.apiKey },
    );
    assert.equal(init.code, 0, init.stderr);
    // From now on the control plane answers every team call with a hostile error.
    proxy.rewrite((req, res) =>
      req.path.startsWith(`/v1/teams/${teamId}/`)
        ? {
            // 400: not retried, so each command fails at once with the server's message.
            status: 400,
            headers: { 'content-type': 'application/json' },
            body: { error: { code: 'bad_request', message: HOSTILE } },
          }
        : res,
    );
  });
  after(async () => {
    await proxy?.stop();
    await cloud?.stop();
    dir?.cleanup();
  });

  for (const command of [['show', 'apr_1'], ['approve', 'apr_1', '--yes'], ['status'], ['list']]) {
    test(`${command[0]}: text and --json output hold no raw escape or bidi character`, async () => {
      const text = await run('heso-approver', [...command, '--config-dir', configDir]);
      assert.notEqual(text.code, 0, 'the hostile answer is an error');
      assertClean(text, `${command[0]} (text)`);
      assert.match(text.stdout + text.stderr, /\\x1b\[2J/, 'the escape is shown, visibly');
      assert.match(text.stdout + text.stderr, /\\u202E/);

      const json = await run('heso-approver', [...command, '--config-dir', configDir, '--json']);
      assertClean(json, `${command[0]} (--json)`);
      const doc = JSON.parse(json.stdout) as { error?: { message: string }; profiles?: { error: string }[] };
      const message = doc.error?.message ?? doc.profiles?.[0]?.error ?? '';
      assert.ok(message.includes('\u202E'), 'the same text, escaped only for the terminal');
    });
  }
});

describe('heso and heso-cloud with hostile input', () => {
  const dir = tempDir('heso-cli-injection-input-');
  after(() => dir.cleanup());

  test('heso verify: a receipt file full of escapes, text and --json', async () => {
    const file = join(dir.path, 'hostile-receipt.json');
    writeFileSync(
      file,
      JSON.stringify({
        statement: { action: { tool: HOSTILE, account: HOSTILE, workflow: 'w' }, teamId: HOSTILE, receiptId: 'r' },
      }),
    );
    for (const args of [[file, '--trust', 'x'.repeat(43)], [file]]) {
      const text = await run('heso', ['verify', ...args]);
      assertClean(text, 'heso verify (text)');
      const json = await run('heso', ['verify', ...args, '--json']);
      assertClean(json, 'heso verify (--json)');
    }
    const unknown = await run('heso', [`frob${HOSTILE}`]);
    assert.equal(unknown.code, 2);
    assertClean(unknown, 'heso unknown command');
  });

  test('heso trust and heso-cloud team create echo names escaped', async () => {
    const dataDir = join(dir.path, '.heso');
    assert.equal((await run('heso', ['init', '--data-dir', dataDir, '--no-gitignore'])).code, 0);
    const remove = await run('heso', ['trust', 'remove', HOSTILE, '--data-dir', dataDir]);
    assert.equal(remove.code, 1);
    assertClean(remove, 'heso trust remove (text)');
    assertClean(await run('heso', ['trust', 'remove', HOSTILE, '--data-dir', dataDir, '--json']), 'heso trust --json');

    const db = join(dir.path, 'cloud.db');
    const created = await run('heso-cloud', ['team', 'create', HOSTILE, '--db', db]);
    assertClean(created, 'heso-cloud team create (text)');
    const createdJson = await run('heso-cloud', ['team', 'create', HOSTILE, '--db', db, '--json']);
    assertClean(createdJson, 'heso-cloud team create (--json)');
    const failed = await run('heso-cloud', ['key', 'revoke', HOSTILE, '--db', db]);
    assert.notEqual(failed.code, 0);
    assertClean(failed, 'heso-cloud error');
  });
});
