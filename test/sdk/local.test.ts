import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { b64url, generateKeyPair, keyIdOf } from '../../src/core/index.ts';
import type { ApproverRecord, PolicyBundle } from '../../src/core/schemas.ts';
import {
  capture,
  evaluate,
  gate,
  HesoError,
  initDataDir,
  loadOperatorKey,
  pullPolicy,
  sign,
  TrustStore,
} from '../../src/sdk/index.ts';
import { TEST_POLICY, tempDir } from './helpers.ts';

const HESO = fileURLToPath(new URL('../../bin/heso.mjs', import.meta.url));
const fixedClock = () => new Date('2026-03-04T05:06:07.000Z');

describe('capture, evaluate, sign (no network, no key)', () => {
  test('capture stamps account, workflow and the injected clock; the action may override defaults', () => {
    const a = capture(
      { tool: 'payments.refund', params: { amount: 5 } },
      { account: 'acct', workflow: 'bot', clock: fixedClock },
    );
    assert.deepEqual(a, {
      tool: 'payments.refund',
      params: { amount: 5 },
      account: 'acct',
      workflow: 'bot',
      capturedAt: '2026-03-04T05:06:07.000Z',
    });
    const b = capture(
      { tool: 't', params: {}, account: 'own', summary: 'hi' },
      { account: 'acct', workflow: 'bot', clock: fixedClock },
    );
    assert.equal(b.account, 'own');
    assert.equal(b.summary, 'hi');
  });

  test('capture refuses bad input with a typed error naming the field', () => {
    assert.throws(
      () => capture({ tool: 'has space', params: {} }, { account: 'a', workflow: 'w' }),
      (err: unknown) => err instanceof HesoError && err.code === 'invalid_action' && /tool/.test(err.message),
    );
    assert.throws(() => capture({ tool: 't', params: {} }), /account.*workflow|give account and workflow/);
    assert.throws(
      () => capture({ tool: 't', params: { n: Number.NaN } }, { account: 'a', workflow: 'w' }),
      (err: unknown) => err instanceof HesoError && /finite/.test(err.message),
    );
    assert.throws(() => capture(null as never), HesoError);
  });

  test('sign produces a receipt the core gate accepts for allow and refuses for block', () => {
    const { secretKey, publicKey } = generateKeyPair();
    const action = capture(
      { tool: 'payments.refund', params: { amount: 5 } },
      { account: 'a', workflow: 'w', clock: fixedClock },
    );
    const ev = evaluate(action, TEST_POLICY);
    const receipt = sign(action, ev, { teamId: 'team_1', secretKey, clock: fixedClock });
    assert.equal(receipt.statement.issuedAt, '2026-03-04T05:06:07.000Z');
    assert.deepEqual(receipt.statement.policy, { version: 'sdk-test-1', ruleId: null });
    const trust = { approverKeys: [], operatorKeys: [b64url.encode(publicKey)] };
    assert.equal(gate(receipt, trust).ok, true);
    const blocked = sign(action, { verdict: 'block', policy: ev.policy }, { teamId: 'team_1', secretKey });
    assert.equal(gate(blocked, trust).ok, false);
    assert.equal(
      gate(receipt, { approverKeys: [], operatorKeys: [b64url.encode(generateKeyPair().publicKey)] }).ok,
      false,
    );
  });

  test('cloud helpers before configure() say so', async () => {
    await assert.rejects(
      pullPolicy('team_1'),
      (err: unknown) => err instanceof HesoError && err.code === 'not_configured',
    );
  });
});

describe('operator data dir', () => {
  test('init creates a 0600 key, a 0700 dir, the outbox, and a .gitignore entry, once', () => {
    const t = tempDir();
    try {
      const dir = join(t.dir, '.heso');
      const r = initDataDir(dir);
      assert.equal(r.createdKey, true);
      assert.equal(statSync(join(dir, 'operator.key')).mode & 0o777, 0o600);
      assert.equal(statSync(dir).mode & 0o777, 0o700);
      assert.ok(statSync(join(dir, 'outbox', 'pending')).isDirectory());
      assert.equal(r.gitignoreUpdated, join(t.dir, '.gitignore'));
      assert.match(readFileSync(join(t.dir, '.gitignore'), 'utf8'), /^\/\.heso\/$/m);
      const key = loadOperatorKey(dir);
      assert.equal(key.keyId, r.keyId);
      assert.equal(key.secretKey.length, 32);

      const again = initDataDir(dir);
      assert.equal(again.createdKey, false);
      assert.equal(again.publicKey, r.publicKey, 'an existing key is never replaced');
      assert.equal(again.gitignoreUpdated, null);
      assert.equal(readFileSync(join(t.dir, '.gitignore'), 'utf8').match(/\.heso/g)?.length, 1);
    } finally {
      t.cleanup();
    }
  });

  test('a key file others can read is refused, and no error ever shows the key', () => {
    const t = tempDir();
    try {
      const dir = join(t.dir, '.heso');
      initDataDir(dir, { gitignore: false });
      const file = join(dir, 'operator.key');
      const secret = JSON.parse(readFileSync(file, 'utf8')).secretKey as string;
      chmodSync(file, 0o644);
      assert.throws(
        () => loadOperatorKey(dir),
        (err: unknown) => err instanceof HesoError && /chmod 600/.test(err.message),
      );
      chmodSync(file, 0o600);
      writeFileSync(file, readFileSync(file, 'utf8').replace('"publicKey":"', '"publicKey":"A'), { mode: 0o600 });
      assert.throws(
        () => loadOperatorKey(dir),
        (err: unknown) => err instanceof HesoError && err.code === 'data_dir' && !err.message.includes(secret),
      );
      assert.throws(() => loadOperatorKey(join(t.dir, 'missing')), /heso init/);
    } finally {
      t.cleanup();
    }
  });
});

describe('trusted approver keys', () => {
  const approver = (status: ApproverRecord['status'], publicKey: string): ApproverRecord => ({
    keyId: keyIdOf(publicKey),
    publicKey,
    fingerprint: 'x',
    name: `${status} one`,
    status,
    createdAt: '2026-01-01T00:00:00.000Z',
    activatedAt: null,
    revokedAt: null,
    rotation: null,
  });

  test('add, list, remove; the server list is reported, never trusted; server revocation reduces trust', () => {
    const t = tempDir();
    try {
      const dir = join(t.dir, '.heso');
      initDataDir(dir, { gitignore: false });
      const store = new TrustStore(dir);
      const [a, b, c] = [0, 1, 2].map(() => b64url.encode(generateKeyPair().publicKey)) as [string, string, string];
      assert.equal(store.add(a, { name: 'Ann' }).added, true);
      assert.equal(store.add(a).added, false);
      store.add(b, { name: 'Bob' });
      assert.deepEqual(
        store.list().map((p) => p.name),
        ['Ann', 'Bob'],
      );
      assert.throws(() => store.add('not-a-key'), /not an approver public key/);

      const bundle: PolicyBundle = {
        ...TEST_POLICY,
        teamId: 'team_1',
        fetchedAt: '2026-01-01T00:00:00.000Z',
        approvers: [approver('active', a), approver('revoked', b), approver('active', c)],
      };
      const report = store.report(bundle);
      assert.deepEqual(
        report.unpinned.map((r) => r.publicKey),
        [c],
      );
      assert.deepEqual(
        report.pinnedActive.map((p) => p.publicKey),
        [a],
      );
      assert.deepEqual(
        report.pinnedRevoked.map((p) => p.publicKey),
        [b],
      );
      assert.deepEqual(store.trustSet({ bundle }).approverKeys, [a], 'c is listed active but not pinned; b is revoked');
      assert.deepEqual(store.trustSet().approverKeys, [a, b]);

      assert.equal(store.remove(keyIdOf(a))?.name, 'Ann');
      assert.equal(store.remove(a), null);
      assert.deepEqual(
        store.list().map((p) => p.publicKey),
        [b],
      );
    } finally {
      t.cleanup();
    }
  });
});

describe('heso init / heso trust (the real CLI)', () => {
  const heso = (cwd: string, ...args: string[]) => {
    const r = spawnSync(process.execPath, [HESO, ...args], { cwd, encoding: 'utf8' });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  test('init, trust add/list/remove, with --json and exit codes', () => {
    const t = tempDir();
    try {
      const init = heso(t.dir, 'init', '--json');
      assert.equal(init.code, 0, init.err);
      const made = JSON.parse(init.out);
      assert.equal(made.ok, true);
      assert.equal(statSync(join(t.dir, '.heso', 'operator.key')).mode & 0o777, 0o600);
      assert.match(readFileSync(join(t.dir, '.gitignore'), 'utf8'), /\/\.heso\//);
      assert.ok(!init.out.includes(JSON.parse(readFileSync(join(t.dir, '.heso', 'operator.key'), 'utf8')).secretKey));

      const key = b64url.encode(generateKeyPair().publicKey);
      const add = heso(t.dir, 'trust', 'add', key, '--name', 'Ann', '--json');
      assert.equal(add.code, 0, add.err);
      assert.equal(JSON.parse(add.out).approver.keyId, keyIdOf(key));
      const list = heso(t.dir, 'trust', 'list');
      assert.equal(list.code, 0);
      assert.match(list.out, /Ann/);
      assert.equal(heso(t.dir, 'trust', 'add', 'garbage').code, 1);
      assert.equal(heso(t.dir, 'trust', 'frobnicate').code, 2);
      assert.equal(heso(t.dir, 'init', '--bogus').code, 2);
      assert.equal(heso(t.dir, 'trust', 'remove', keyIdOf(key)).code, 0);
      assert.equal(heso(t.dir, 'trust', 'remove', keyIdOf(key)).code, 1);
      assert.deepEqual(JSON.parse(heso(t.dir, 'trust', 'list', '--json').out).approvers, []);
      assert.equal(heso(t.dir, 'trust', 'add', key, '--data-dir', join(t.dir, 'nowhere')).code, 1);
    } finally {
      t.cleanup();
    }
  });
});
