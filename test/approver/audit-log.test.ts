import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SignedAuditLog } from '../../src/approver/audit-log.ts';
import { InMemoryKeyStore } from '../../src/approver/key-store.ts';
import { Secrets } from '../../src/approver/secrets.ts';
import { b64url, toHex } from '../../src/core/encoding.ts';
import { generateKeyPair, keyIdOf } from '../../src/core/index.ts';
import { tempDir } from './helpers.ts';

let dir: ReturnType<typeof tempDir>;
let log: SignedAuditLog;
let keys: Map<string, string>;
let signer: ReturnType<Secrets['signer']>;

beforeEach(async () => {
  dir = tempDir('heso-audit-test-');
  const secrets = new Secrets(new InMemoryKeyStore());
  const key = await secrets.createKey({ name: 'p1' });
  keys = new Map([[key.keyId, key.publicKey]]);
  signer = secrets.signer({ name: 'p1' }, key.keyId);
  log = new SignedAuditLog(dir.path, 'p1', 'team-1');
  for (let i = 1; i <= 5; i++) {
    await log.append(
      {
        kind: i === 1 ? 'enrol' : 'decision',
        summary: `entry ${i}`,
        approvalId: i === 1 ? null : `apr_${i}`,
        decision: i === 1 ? null : 'approve',
        details: { n: i },
      },
      signer,
      new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    );
  }
});

afterEach(() => dir.cleanup());

const lines = () => readFileSync(log.path, 'utf8').split('\n').filter(Boolean);
const writeLines = (ls: string[]) => writeFileSync(log.path, `${ls.join('\n')}\n`);

test('an intact log verifies, entries chained and in order', async () => {
  const v = await log.verify(keys);
  assert.deepEqual(v, { ok: true, count: 5, problem: null });
  const entries = await log.entries();
  assert.deepEqual(
    entries.map((e) => e.seq),
    [1, 2, 3, 4, 5],
  );
  assert.equal(entries[1]?.approvalId, 'apr_2');
});

test('an edited entry is named', async () => {
  const ls = lines();
  ls[2] = ls[2]!.replace('"approve"', '"deny"');
  writeLines(ls);
  const v = await log.verify(keys);
  assert.equal(v.ok, false);
  assert.match(v.problem ?? '', /^entry 3 \(line 3\) was edited/);
});

test('a removed entry is named', async () => {
  const ls = lines();
  ls.splice(1, 1);
  writeLines(ls);
  const v = await log.verify(keys);
  assert.equal(v.ok, false);
  assert.match(v.problem ?? '', /^entry 2 removed after entry 1/);
});

test('reordered entries are named', async () => {
  const ls = lines();
  [ls[2], ls[3]] = [ls[3]!, ls[2]!];
  writeLines(ls);
  const v = await log.verify(keys);
  assert.equal(v.ok, false);
  assert.match(v.problem ?? '', /^entry 4 \(line 3\) is out of order: entry 3 belongs here/);
});

test('entries cut from the end are noticed through the head record', async () => {
  writeLines(lines().slice(0, 3));
  const v = await log.verify(keys);
  assert.equal(v.ok, false);
  assert.match(v.problem ?? '', /^entries 4–5 removed from the end of the log/);
});

test('a damaged head record fails verification, naming the file, and is kept', async () => {
  writeFileSync(log.headPath, '{"seq":5,"ha');
  const v = await log.verify(keys);
  assert.equal(v.ok, false);
  assert.match(v.problem ?? '', /audit\.head\.json is not valid JSON.*could not be noticed/);
  assert.equal(readFileSync(log.headPath, 'utf8'), '{"seq":5,"ha');
});

test('the first entry removed, or the whole file deleted, is noticed', async () => {
  writeLines(lines().slice(1));
  assert.match((await log.verify(keys)).problem ?? '', /^entry 1 removed from the start of the log/);
  rmSync(log.path);
  assert.match((await log.verify(keys)).problem ?? '', /entries 1–5 removed/);
});

test('an entry re-signed by a key this profile never used is refused', async () => {
  const other = new Secrets(new InMemoryKeyStore());
  const foreign = await other.createKey({ name: 'p1' });
  const forged = new SignedAuditLog(`${dir.path}/forged`, 'p1', 'team-1');
  await forged.append(
    { kind: 'decision', summary: 'forged', approvalId: 'apr_x', decision: 'approve', details: {} },
    other.signer({ name: 'p1' }, foreign.keyId),
    '2026-01-01T00:00:00.000Z',
  );
  const v = await forged.verify(keys);
  assert.equal(v.ok, false);
  assert.match(v.problem ?? '', /signed by key [0-9a-f]{32}, which this profile never used/);
});

test('garbage in a line is named by line number', async () => {
  const ls = lines();
  ls[1] = '{"entry": "not json';
  writeLines(ls);
  assert.match((await log.verify(keys)).problem ?? '', /^line 2 was edited/);
});

const WRITER = fileURLToPath(new URL('./fixtures/audit-writer.ts', import.meta.url));

/** Starts a writer process and resolves once it has read its key and waits for "go". */
function startWriter(path: string, count: number, name: string, secretKeyHex: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, path, String(count), name], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('ready')) resolve();
    });
    child.on('error', reject);
    child.on('close', (code) => reject(new Error(`writer ${name} exited ${code} before it was ready: ${err}`)));
  });
  const done = new Promise<void>((resolve, reject) => {
    child.on('close', (code) =>
      code === 0 && out.includes('done') ? resolve() : reject(new Error(`writer ${name} exited ${code}: ${err}`)),
    );
  });
  child.stdin.write(`${secretKeyHex}\n`);
  return { ready, done, go: () => child.stdin.end('go\n') };
}

test('two processes appending at once keep one chain: unique, continuous sequence numbers', async () => {
  const pair = generateKeyPair();
  const publicKey = b64url.encode(pair.publicKey);
  const sharedKeys = new Map([[keyIdOf(publicKey), publicKey]]);
  const shared = tempDir('heso-audit-procs-');
  try {
    const writers = [
      startWriter(shared.path, 25, 'cli', toHex(pair.secretKey)),
      startWriter(shared.path, 25, 'app', toHex(pair.secretKey)),
    ];
    await Promise.all(writers.map((w) => w.ready));
    for (const w of writers) w.go();
    await Promise.all(writers.map((w) => w.done));
    const sharedLog = new SignedAuditLog(shared.path, 'p1', 'team-1');
    assert.deepEqual(await sharedLog.verify(sharedKeys), { ok: true, count: 50, problem: null });
    assert.deepEqual(
      (await sharedLog.entries()).map((e) => e.seq),
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
  } finally {
    shared.cleanup();
  }
});

test('concurrent appends through separate SignedAuditLog objects in one process (one per decision) do not fork', async () => {
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      new SignedAuditLog(dir.path, 'p1', 'team-1').append(
        { kind: 'decision', summary: `concurrent ${i}`, approvalId: `apr_c${i}`, decision: 'deny', details: {} },
        signer,
        new Date().toISOString(),
      ),
    ),
  );
  assert.deepEqual(await log.verify(keys), { ok: true, count: 25, problem: null });
  assert.deepEqual(
    (await log.entries()).map((e) => e.seq),
    Array.from({ length: 25 }, (_, i) => i + 1),
  );
});
