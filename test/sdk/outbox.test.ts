import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SqliteCloudStore } from '../../src/cloud/sqlite-store.ts';
import {
  capture,
  createCloud,
  createGuard,
  loadOperatorKey,
  Outbox,
  type OutboxEvent,
  sign,
} from '../../src/sdk/index.ts';
import { type SpawnedCloud, spawnCloud } from '../support/cloud.ts';
import { makeDataDir, TEST_POLICY } from './helpers.ts';

const CHILD = fileURLToPath(new URL('./fixtures/outbox-child.ts', import.meta.url));

interface ChildResult {
  ids: string[];
  accepted: number;
  remaining: number;
  error: string | null;
}

/** Runs the child agent process to completion and returns its JSON line. */
function runChild(
  dataDir: string,
  teamId: string,
  endpoint: string,
  count: number,
  apiKey: string,
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, teamId, endpoint, String(count)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`child exited ${code}: ${err}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as ChildResult);
    });
    child.stdin.end(apiKey);
  });
}

async function countReceipts(dbPath: string, teamId: string): Promise<number> {
  const store = new SqliteCloudStore({ path: dbPath });
  try {
    return await store.countReceipts(teamId);
  } finally {
    await store.close();
  }
}

function nextEvent(
  events: OutboxEvent[],
  listeners: (() => void)[],
  match: (e: OutboxEvent) => boolean,
): Promise<OutboxEvent> {
  return new Promise((resolve) => {
    const check = () => {
      const hit = events.find(match);
      if (hit) resolve(hit);
      else listeners.push(check);
    };
    check();
  });
}

describe('outbox against a control plane that goes down', () => {
  let cloud: SpawnedCloud;
  let teamId: string;
  let apiKey: string;
  before(async () => {
    cloud = await spawnCloud();
    teamId = await cloud.admin.createTeam('Outbox team');
    apiKey = await cloud.admin.createApiKey(teamId);
    await cloud.admin.setPolicy(teamId, TEST_POLICY);
  });
  after(async () => {
    await cloud.stop();
  });

  test('nothing is lost through a server outage and an agent restart, and nothing is stored twice', async () => {
    const { dataDir, cleanup } = makeDataDir();
    try {
      // 1. An agent process pushes 3 receipts while the server is up.
      const first = await runChild(dataDir, teamId, cloud.url, 3, apiKey);
      assert.deepEqual([first.accepted, first.remaining, first.error], [3, 0, null]);

      // 2. The server dies; another agent process records 4 more and exits with them unpushed.
      await cloud.kill('SIGKILL');
      const second = await runChild(dataDir, teamId, cloud.url, 4, apiKey);
      assert.deepEqual([second.accepted, second.remaining, second.error], [0, 4, 'network']);

      // 3. A new agent process (this one) starts its background push loop while the server is still down…
      const events: OutboxEvent[] = [];
      const listeners: (() => void)[] = [];
      const conn = createCloud(apiKey, cloud.url, { attempts: 1, requestTimeoutMs: 5_000 });
      const outbox = new Outbox(dataDir, {
        cloud: conn,
        backoff: { baseMs: 20, maxMs: 200 },
        onEvent: (e) => {
          events.push(e);
          for (const l of listeners.splice(0)) l();
        },
      });
      assert.equal(outbox.pending().length, 4);
      outbox.start();
      await nextEvent(events, listeners, (e) => e.type === 'push_failed');
      assert.equal(outbox.pending().length, 4, 'a failed push keeps every receipt');

      // 4. …and delivers everything once the server is back on the same port.
      await cloud.restart();
      await nextEvent(events, listeners, (e) => e.type === 'pushed' && e.remaining === 0);
      await outbox.stop();
      assert.equal(outbox.pending().length, 0);
      assert.equal(await countReceipts(cloud.dbPath, teamId), 7);

      // 5. A crash between a push and the local delete means pushing again: the server answers duplicate.
      const all = [...first.ids, ...second.ids];
      assert.equal(all.length, 7);
      const again = new Outbox(dataDir, { cloud: conn });
      const store = new SqliteCloudStore({ path: cloud.dbPath });
      try {
        for (const id of all) again.enqueue(JSON.parse((await store.getReceipt(teamId, id))!));
      } finally {
        await store.close();
      }
      const replay = await again.drain({ timeoutMs: 10_000 });
      assert.deepEqual([replay.accepted, replay.duplicate, replay.remaining], [0, 7, 0]);
      assert.equal(await countReceipts(cloud.dbPath, teamId), 7);
    } finally {
      cleanup();
    }
  });

  test('enqueueing the same receipt twice keeps one copy; refused receipts are set aside with the reason', async () => {
    const { dataDir, cleanup } = makeDataDir();
    try {
      const key = loadOperatorKey(dataDir);
      const outbox = new Outbox(dataDir, { cloud: createCloud(apiKey, cloud.url) });
      const action = capture({ tool: 'x.y', params: {} }, { account: 'a', workflow: 'w' });
      const good = sign(
        action,
        { verdict: 'allow', policy: { version: 'v', ruleId: null } },
        { teamId, secretKey: key.secretKey },
      );
      outbox.enqueue(good);
      outbox.enqueue(good);
      const genuine = sign(
        action,
        { verdict: 'allow', policy: { version: 'v', ruleId: null } },
        { teamId, secretKey: key.secretKey },
      );
      // Tampered after signing: the control plane re-verifies and refuses it.
      const forged = { ...genuine, statement: { ...genuine.statement, verdict: 'suspend' as const } };
      outbox.enqueue(forged);
      assert.equal(outbox.pending().length, 2);
      const r = await outbox.drain({ timeoutMs: 10_000 });
      assert.deepEqual([r.accepted, r.refused, r.remaining], [1, 1, 0]);
      const refused = outbox.refused();
      assert.equal(refused.length, 1);
      assert.equal(refused[0]?.receipt.statement.receiptId, forged.statement.receiptId);
      assert.match(refused[0]?.reason ?? '', /signature/);
    } finally {
      cleanup();
    }
  });
});

describe('stopping while a push is held open by the server', { timeout: 20_000 }, () => {
  /** A control plane that accepts the receipts request and never answers it. */
  async function startSilentServer(): Promise<{ url: string; pushes: Promise<void>; close: () => Promise<void> }> {
    let arrived!: () => void;
    const pushes = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const server = createServer((req) => {
      if (req.method === 'POST' && req.url?.endsWith('/receipts')) arrived();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      pushes,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  }

  function signedReceipt(dataDir: string) {
    const key = loadOperatorKey(dataDir);
    const action = capture({ tool: 'x.y', params: {} }, { account: 'a', workflow: 'w' });
    return sign(
      action,
      { verdict: 'allow', policy: { version: 'v', ruleId: null } },
      {
        teamId: 'team-silent',
        secretKey: key.secretKey,
      },
    );
  }

  test('Outbox.stop() returns while the push is in flight and keeps the receipt pending', async () => {
    const silent = await startSilentServer();
    const { dataDir, cleanup } = makeDataDir();
    try {
      const outbox = new Outbox(dataDir, { cloud: createCloud('heso_test_key', silent.url, { attempts: 1 }) });
      outbox.enqueue(signedReceipt(dataDir));
      outbox.start();
      await silent.pushes;
      await outbox.stop(); // hung forever before the fix (the test runner's timeout fails it)
      assert.equal(outbox.pending().length, 1, 'an aborted push keeps the receipt for the next run');
    } finally {
      cleanup();
      await silent.close();
    }
  });

  test('Guard.close() returns while the push is in flight', async () => {
    const silent = await startSilentServer();
    const { dataDir, cleanup } = makeDataDir();
    try {
      const guard = createGuard({
        teamId: 'team-silent',
        dataDir,
        cloud: createCloud('heso_test_key', silent.url, { attempts: 1 }),
        account: 'a',
        workflow: 'w',
        policy: TEST_POLICY,
      });
      await guard.authorize({ tool: 'x.y', params: {} }); // allowed: its receipt goes to the outbox and is pushed
      await silent.pushes;
      await guard.close();
      assert.equal(guard.outbox.pending().length, 1);
    } finally {
      cleanup();
      await silent.close();
    }
  });
});
