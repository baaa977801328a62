/**
 * Files the SDK and the adapters read back (outbox, audit log, pending approvals) are checked
 * against their schemas: a damaged or edited file is reported with what happened and what to
 * do, and its bytes are kept, never silently dropped.
 */
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { PendingStore } from '../../src/adapters/pending-store.ts';
import {
  AuditLog,
  capture,
  HesoError,
  loadOperatorKey,
  Outbox,
  type OutboxEvent,
  type Receipt,
  sign,
} from '../../src/sdk/index.ts';
import { makeDataDir } from './helpers.ts';

function signedReceipt(dataDir: string, verdict: 'allow' | 'suspend' = 'allow'): Receipt {
  const key = loadOperatorKey(dataDir);
  const action = capture({ tool: 'x.y', params: { n: 1 } }, { account: 'a', workflow: 'w' });
  return sign(
    action,
    { verdict, policy: { version: 'v', ruleId: null } },
    { teamId: 'team-1', secretKey: key.secretKey },
  );
}

function withDataDir(run: (dataDir: string) => void): void {
  const { dataDir, cleanup } = makeDataDir();
  try {
    run(dataDir);
  } finally {
    cleanup();
  }
}

describe('outbox files read back', () => {
  test('a damaged pending file is moved aside intact and reported; good receipts stay pending', () =>
    withDataDir((dataDir) => {
      const events: OutboxEvent[] = [];
      const outbox = new Outbox(dataDir, { onEvent: (e) => events.push(e) });
      const good = signedReceipt(dataDir);
      outbox.enqueue(good);
      const pendingDir = join(dataDir, 'outbox', 'pending');
      const torn = join(pendingDir, 'torn.json');
      const edited = join(pendingDir, 'edited.json');
      writeFileSync(torn, '{"statement":{"type":"heso.rec');
      writeFileSync(edited, JSON.stringify({ ...good, statement: { ...good.statement, verdict: 'maybe' } }));

      assert.deepEqual(
        outbox.pending().map((r) => r.statement.receiptId),
        [good.statement.receiptId],
      );
      const damaged = events.filter((e) => e.type === 'damaged');
      assert.equal(damaged.length, 2);
      for (const [file, expected] of [
        [torn, '{"statement":{"type":"heso.rec'],
        [edited, JSON.stringify({ ...good, statement: { ...good.statement, verdict: 'maybe' } })],
      ] as const) {
        const event = damaged.find((e) => e.file === file);
        assert.ok(event, `an event names ${file}`);
        assert.equal(existsSync(file), false, 'no longer pending');
        assert.equal(readFileSync(event.movedTo, 'utf8'), expected, 'the bytes are kept as they were');
        assert.match(event.message, /so it was not pushed\. It was moved to .*damaged.*put it back in/);
      }
      assert.match(damaged.find((e) => e.file === edited)?.message ?? '', /statement\.verdict/);
      // Set aside once: the next read reports nothing new.
      outbox.pending();
      assert.equal(events.filter((e) => e.type === 'damaged').length, 2);
    }));

  test('an edited refused file makes refused() fail, naming the file, and leaves it in place', () =>
    withDataDir((dataDir) => {
      const outbox = new Outbox(dataDir);
      const refusedDir = join(dataDir, 'outbox', 'refused');
      const receipt = signedReceipt(dataDir);
      writeFileSync(
        join(refusedDir, 'a.json'),
        JSON.stringify({ receipt, reason: 'bad', refusedAt: '2026-01-01T00:00:00.000Z' }),
      );
      assert.deepEqual(
        outbox.refused().map((r) => [r.receipt.statement.receiptId, r.reason]),
        [[receipt.statement.receiptId, 'bad']],
      );
      const edited = join(refusedDir, 'b.json');
      const text = JSON.stringify({ receipt: { statement: receipt.statement }, reason: 'bad', refusedAt: 'yesterday' });
      writeFileSync(edited, text);
      assert.throws(
        () => outbox.refused(),
        (err: unknown) =>
          err instanceof HesoError &&
          err.code === 'data_dir' &&
          err.message.includes(edited) &&
          /move it out of/.test(err.message),
      );
      assert.equal(readFileSync(edited, 'utf8'), text);
    }));
});

describe('audit log read back', () => {
  function entry(receipt: Receipt, outcome: 'ran' | 'blocked') {
    const st = receipt.statement;
    return {
      at: '2026-01-01T00:00:00.000Z',
      outcome,
      receiptId: st.receiptId,
      actionHash: st.actionHash,
      tool: st.action.tool,
      account: st.action.account,
      workflow: st.action.workflow,
      verdict: st.verdict,
      policyVersion: st.policy.version,
      ruleId: st.policy.ruleId,
    } as const;
  }

  test('an edited line throws, naming the line; the file is untouched', () =>
    withDataDir((dataDir) => {
      const log = new AuditLog(dataDir);
      const receipt = signedReceipt(dataDir);
      log.append(entry(receipt, 'ran'));
      assert.equal(log.read().length, 1);
      appendFileSync(log.file, `${JSON.stringify({ ...entry(receipt, 'ran'), outcome: 'approved-by-me' })}\n`);
      const before = readFileSync(log.file, 'utf8');
      assert.throws(
        () => log.read(),
        (err: unknown) =>
          err instanceof HesoError &&
          err.message.startsWith(`line 2 of ${log.file}`) &&
          /outcome/.test(err.message) &&
          /move the file aside/.test(err.message),
      );
      assert.equal(readFileSync(log.file, 'utf8'), before);
    }));

  test('a line torn by a crash is skipped and does not swallow the next entry', () =>
    withDataDir((dataDir) => {
      const log = new AuditLog(dataDir);
      const receipt = signedReceipt(dataDir);
      log.append(entry(receipt, 'ran'));
      appendFileSync(log.file, '{"at":"2026-01-01T00:00:00.000Z","outc');
      log.append(entry(receipt, 'blocked'));
      assert.deepEqual(
        log.read().map((e) => e.outcome),
        ['ran', 'blocked'],
      );
    }));
});

describe('pending approvals of the one-shot adapters read back', () => {
  test('a damaged file is an error that names it and says to delete it; it is not deleted', () =>
    withDataDir((dataDir) => {
      const store = new PendingStore(dataDir, () => Date.parse('2026-01-01T00:00:00Z'));
      const receipt = signedReceipt(dataDir, 'suspend');
      const key = { teamId: 'team-1', input: { tool: 'x.y', params: { n: 1 } } };
      store.set(key, {
        approvalId: 'appr-1',
        challenge: 'A'.repeat(43),
        expiresAt: '2026-01-01T00:15:00Z',
        shortCode: 'ABC-123',
        receipt,
      });
      assert.equal(store.get(key)?.approvalId, 'appr-1');
      const dir = join(dataDir, 'adapters', 'pending');
      const [name] = readdirSync(dir);
      assert.ok(name);
      const file = join(dir, name);
      writeFileSync(file, '{"approvalId":"appr-1","chall');
      assert.throws(
        () => store.get(key),
        (err: unknown) =>
          err instanceof HesoError &&
          err.message.includes(file) &&
          /not valid JSON/.test(err.message) &&
          /delete it/.test(err.message),
      );
      assert.equal(readFileSync(file, 'utf8'), '{"approvalId":"appr-1","chall');
    }));
});
