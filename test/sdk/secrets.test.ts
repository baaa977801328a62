import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { inspect } from 'node:util';
import {
  configure,
  createCloud,
  createGuard,
  type GuardEvent,
  HesoError,
  pollApproval,
  pullPolicy,
  TrustStore,
} from '../../src/sdk/index.ts';
import { startCloud } from '../support/cloud.ts';
import { makeApprover, makeDataDir, makeTeam } from './helpers.ts';

/** Every file under a directory, as text. */
function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? allFiles(p) : [readFileSync(p, 'utf8')];
  });
}

test('the API key appears in no log line, event, error or file', async () => {
  const serverLog: string[] = [];
  const logStream = new PassThrough();
  logStream.on('data', (c: Buffer) => serverLog.push(c.toString()));
  const cloud = await startCloud({ logStream });
  const { dataDir, cleanup } = makeDataDir();

  const printed: string[] = [];
  const originals = {
    log: console.log,
    error: console.error,
    warn: console.warn,
    info: console.info,
    debug: console.debug,
  };
  const capture =
    (name: string) =>
    (...args: unknown[]) =>
      printed.push(`${name}: ${args.map((a) => inspect(a, { depth: null })).join(' ')}`);
  Object.assign(console, {
    log: capture('log'),
    error: capture('error'),
    warn: capture('warn'),
    info: capture('info'),
    debug: capture('debug'),
  });

  const errors: unknown[] = [];
  const events: GuardEvent[] = [];
  let apiKey = '';
  try {
    const team = await makeTeam(cloud);
    apiKey = team.apiKey;
    const approver = await makeApprover(cloud, team);
    new TrustStore(dataDir).add(approver.publicKey);
    const conn = configure(apiKey, cloud.url);

    // A normal run: allow, block, an approved suspension, receipts pushed.
    const guard = createGuard({
      teamId: team.teamId,
      dataDir,
      account: 'a',
      workflow: 'w',
      autoPush: false,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'waiting')
          void team.client.getApproval(team.teamId, e.approvalId).then((a) => approver.decide(a, 'approve'));
      },
    });
    await guard.run({ tool: 'payments.refund', params: { amount: 1 } }, () => 'ok');
    await guard.run({ tool: 'db.delete', account: 'prod-x', params: {} }, () => 'no').catch((e) => errors.push(e));
    await guard.run({ tool: 'payments.refund', params: { amount: 900 } }, () => 'ok');
    await guard.outbox.drain({ timeoutMs: 10_000 });
    await guard.close();

    // Every failure the SDK can produce with this key.
    const attempts: (() => Promise<unknown>)[] = [
      () => pollApproval(team.teamId, 'apr_missing'),
      () => pullPolicy('team_someone_else'),
      () => createCloud(apiKey, 'http://127.0.0.1:9', { attempts: 1 }).pullPolicy(team.teamId),
      async () => createCloud(apiKey, 'not a url'),
      async () => createCloud(`${apiKey} `, cloud.url),
      () =>
        createCloud(apiKey, cloud.url, {
          attempts: 1,
          fetch: async (_input, init) =>
            // A server that echoes the Authorization header back in its error (it must still not leak).
            Response.json(
              {
                error: {
                  code: 'bad_request',
                  message: `bad header ${new Headers(init?.headers).get('authorization')}`,
                },
              },
              { status: 400 },
            ),
        }).pullPolicy(team.teamId),
    ];
    for (const attempt of attempts) {
      try {
        await attempt();
        assert.fail('expected an error');
      } catch (err) {
        errors.push(err);
      }
    }
    // A push loop against a dead endpoint reports failures through events.
    const offline = createGuard({
      teamId: team.teamId,
      dataDir,
      account: 'a',
      workflow: 'w',
      cloud: createCloud(apiKey, 'http://127.0.0.1:9', { attempts: 1 }),
      policy: { version: 'p', defaultVerdict: 'allow', rules: [] },
      autoPush: false,
      onEvent: (e) => events.push(e),
    });
    await offline.run({ tool: 't', params: {} }, () => 'ran');
    await offline.outbox.drain({ timeoutMs: 50 });
    await offline.close();
    // After revocation, the key itself is refused.
    await cloud.admin.revokeApiKey(apiKey);
    await pullPolicy(team.teamId).catch((e) => errors.push(e));
    printed.push(inspect(conn, { depth: null, showHidden: true }));
  } finally {
    Object.assign(console, originals);
    await cloud.stop();
  }

  try {
    assert.ok(apiKey.length > 20);
    assert.ok(errors.length >= 8, `collected ${errors.length} errors`);
    assert.ok(errors.every((e) => e instanceof HesoError || e instanceof Error));
    assert.ok(events.some((e) => e.type === 'outbox' && e.event.type === 'push_failed'));
    const views = [
      ...printed,
      ...serverLog,
      ...events.map((e) => inspect(e, { depth: null })),
      ...errors.flatMap((e) => [
        String(e),
        (e as Error).stack ?? '',
        inspect(e, { depth: null, showHidden: true }),
        JSON.stringify(e),
      ]),
      ...allFiles(dataDir),
    ];
    assert.ok(serverLog.length > 0, 'the server logged requests');
    const secretPart = apiKey.slice(-16);
    for (const view of views) {
      assert.ok(!view.includes(apiKey), `API key found in: ${view.slice(0, 200)}`);
      assert.ok(!view.includes(secretPart), `part of the API key found in: ${view.slice(0, 200)}`);
    }
    // The echoing server's message is kept, with the key scrubbed.
    assert.ok(errors.some((e) => e instanceof HesoError && e.message.includes('Bearer [redacted]')));
  } finally {
    cleanup();
  }
});
