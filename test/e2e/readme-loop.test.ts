/**
 * README.md's "Run the parts by hand" block, run as written, from the README text itself, so
 * the two cannot drift. In a scratch copy of the checkout (symlinks), with the test keyring.
 *
 * The only changes made to a command (also described under the block in the README):
 * - `8787` becomes a free port;
 * - placeholders are filled from earlier output: TEAM (`team create`), the `…` of an
 *   `export NAME=…` (the next API key printed by a `key create`), KEYID, "XXXX XXXX …" and
 *   APPROVER_PUBLIC_KEY (`heso-approver init`), OPERATOR_PUBLIC_KEY (`heso init`),
 *   APPROVAL_ID (`heso-approver list`);
 * - `heso-approver approve|deny` gets `--yes` (there is no terminal to type the code into).
 * And the waits a person does by eye: a background `serve` is waited for until it listens,
 * `list` is re-run until an approval shows, and after `approve` the test waits until the
 * control plane holds the co-signed receipt the agent pushes in the background.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ControlPlaneClient } from '../../src/client/index.ts';
import type { Receipt } from '../../src/core/index.ts';
import { keyringSkipReason } from './world.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LINKED = ['bin', 'src', 'docs', 'scripts', 'node_modules', 'package.json', 'tsconfig.json'];

/** The commands of the first ```sh block under "## Run the parts by hand", comments removed. */
export function readmeCommands(readme: string): string[] {
  const section = readme.slice(readme.indexOf('## Run the parts by hand'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README.md has no ```sh block under "## Run the parts by hand"');
  return block
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.replace(/\s+#\s.*$/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

interface Ran {
  code: number | null;
  out: string;
}

/** Values taken from earlier output, and what they replace. */
class Placeholders {
  team = '';
  apiKeys: string[] = [];
  keyId = '';
  fingerprint = '';
  publicKey = '';
  approvalId = '';
  operatorKey = '';

  learn(command: string, out: string): void {
    const grab = (re: RegExp) => re.exec(out)?.[1] ?? '';
    if (/team create/.test(command)) this.team = grab(/\b(team_[A-Za-z0-9_-]+)/);
    if (/key create/.test(command)) this.apiKeys.push(grab(/\b(heso_[A-Za-z0-9_-]+)/));
    if (/heso-approver\.mjs init/.test(command)) {
      this.keyId = grab(/Key id\s+([0-9a-f]+)/);
      this.fingerprint = grab(/Fingerprint\s+([0-9A-Z ]+?)\s*$/m);
      this.publicKey = grab(/Public key\s+([A-Za-z0-9_-]{43})/);
    }
    if (/heso\.mjs init/.test(command)) this.operatorKey = grab(/public key\s+([A-Za-z0-9_-]{43})/);
    if (/heso-approver\.mjs list/.test(command)) this.approvalId = grab(/\b(apr_[0-9a-f]+)/);
  }

  fill(command: string, port: number): string {
    let c = command.replaceAll('8787', String(port));
    if (/^export \w+=…$/.test(c)) {
      const key = this.apiKeys.shift();
      assert.ok(key, `no API key printed before "${command}"`);
      c = c.replace('…', key);
    }
    c = c
      .replace(/\bTEAM\b/g, this.team)
      .replace(/\bKEYID\b/g, this.keyId)
      .replace('"XXXX XXXX …"', `"${this.fingerprint}"`)
      .replace(/\bAPPROVER_PUBLIC_KEY\b/g, this.publicKey)
      .replace(/\bOPERATOR_PUBLIC_KEY\b/g, this.operatorKey)
      .replace(/\bAPPROVAL_ID\b/g, this.approvalId);
    if (/heso-approver\.mjs (approve|deny) /.test(c)) c += ' --yes';
    return c;
  }
}

test('the README "Run the parts by hand" loop runs as written', { skip: keyringSkipReason() ?? false }, async () => {
  const commands = readmeCommands(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  const work = mkdtempSync(join(tmpdir(), 'heso-readme-'));
  for (const name of LINKED) symlinkSync(join(ROOT, name), join(work, name));
  mkdirSync(join(work, 'approver'));
  const env: Record<string, string | undefined> = {
    ...process.env,
    HESO_APPROVER_CONFIG_DIR: join(work, 'approver'),
    HESO_CLOUD_DB: undefined,
    npm_config_update_notifier: 'false',
  };
  const port = await freePort();
  const values = new Placeholders();
  const background: { child: ChildProcess; out: () => string }[] = [];
  const log: string[] = [];

  const start = (command: string) => {
    const child = spawn('sh', ['-c', command], { cwd: work, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    background.push({ child, out: () => out });
    return { child, out: () => out };
  };
  const run = (command: string): Promise<Ran> =>
    new Promise((resolve) => {
      const { child, out } = start(command);
      background.pop();
      child.on('close', (code) => resolve({ code, out: out() }));
    });
  const until = async (what: string, check: () => Promise<boolean> | boolean) => {
    for (let i = 0; i < 120; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 1000));
    }
    assert.fail(`gave up waiting for ${what}\n${log.join('\n')}\n${background.map((b) => b.out()).join('\n')}`);
  };

  try {
    for (const raw of commands) {
      const command = values.fill(raw, port);
      log.push(`$ ${command}`);
      if (command.startsWith('export ')) {
        const [, name, value] = /^export (\w+)=(.*)$/.exec(command)!;
        env[name!] = value!;
        continue;
      }
      if (command.endsWith('&')) {
        const bg = start(command.slice(0, -1).trim());
        if (/heso-cloud\.mjs serve/.test(command))
          await until('the server to listen', () => /listening/.test(bg.out()));
        continue;
      }
      let result = await run(command);
      if (/heso-approver\.mjs list/.test(command))
        await until('an approval in the queue', async () => {
          values.learn(command, result.out);
          if (values.approvalId) return true;
          result = await run(command);
          return false;
        });
      log.push(result.out);
      assert.equal(result.code, 0, `"${command}" failed:\n${log.join('\n')}`);
      values.learn(command, result.out);
      if (/heso-approver\.mjs approve/.test(command)) {
        const client = new ControlPlaneClient({ endpoint: `http://127.0.0.1:${port}`, apiKey: env.HESO_API_KEY! });
        const approval = await client.getApproval(values.team, values.approvalId);
        await until('the agent to push the co-signed receipt', async () => {
          const stored = await client.getReceipt(values.team, approval.receipt.statement.receiptId).catch(() => null);
          return stored?.receipt.cosignature !== undefined;
        });
      }
    }

    // The loop ended with a verify that passed (exit 0 above); check it saw the co-signed receipt.
    const exported = readFileSync(join(work, 'receipts.jsonl'), 'utf8').trimEnd().split('\n');
    const receipts = exported.map((l) => JSON.parse(l) as Receipt);
    const cosigned = receipts.find((r) => r.cosignature?.statement.approvalId === values.approvalId);
    assert.equal(cosigned?.cosignature?.statement.decision, 'approve');
    const agent = background.find((b) => /demo:agent/.test(b.out()) || /Demo agent/.test(b.out()));
    assert.match(agent?.out() ?? '', /approved by approver/);
    assert.match(agent?.out() ?? '', /▶ ran: /);
  } finally {
    for (const { child } of background)
      if (child.pid && child.exitCode === null) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    rmSync(work, { recursive: true, force: true });
  }
});
