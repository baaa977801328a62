/**
 * Several decisions at once in one engine (the app deciding a batch, the CLI while the
 * app runs) against a real control plane and the real keychain: the audit log stays one
 * chain, its sequence numbers unique and continuous, and verify-log is ok.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { QueueSnapshot } from '../../src/approver/api.ts';
import { type CloudHandle, setupTeam, startCloud } from '../support/cloud.ts';
import {
  approveShown,
  KEYRING_SKIP,
  makeAgent,
  makeEngine,
  nextEvent,
  tempDir,
  testKeyStore,
  trustAgent,
} from './helpers.ts';

let cloud: CloudHandle;
before(async () => {
  if (!KEYRING_SKIP) cloud = await startCloud();
});
after(async () => {
  await cloud?.stop();
});

test('five concurrent decisions in one engine keep the audit log one chain', { skip: KEYRING_SKIP }, async () => {
  const { teamId, apiKey } = await setupTeam(cloud);
  const dir = tempDir();
  const engine = makeEngine(dir.path, { keyStore: testKeyStore() });
  try {
    const profile = await engine.initProfile({ endpoint: cloud.url, teamId, apiKey, displayName: 'Alice' });
    await cloud.admin.activateApprover(teamId, profile.keyId);
    const agent = makeAgent(cloud, teamId, apiKey);
    await trustAgent(engine, profile.name, agent);
    const queued = nextEvent<QueueSnapshot>(
      (l) => engine.on('queue', l),
      (s) => s.items.length === 5,
    );
    await engine.start(profile.name);
    const opened = await Promise.all([1, 2, 3, 4, 5].map((n) => agent.open({ amount: 100 + n })));
    await queued;
    const outcomes = await Promise.all(
      opened.map((a, i) =>
        i % 2
          ? engine.decide({ approvalId: a.id, decision: 'deny', reason: `batch ${i}` })
          : approveShown(engine, a.id, { reason: `batch ${i}` }),
      ),
    );
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['accepted', 'accepted', 'accepted', 'accepted', 'accepted'],
    );
    const history = await engine.history(profile.name);
    assert.deepEqual(history.verification, { ok: true, count: 6, problem: null });
    assert.deepEqual(
      history.entries.map((e) => e.seq).sort((a, b) => a - b),
      [1, 2, 3, 4, 5, 6],
    );
  } finally {
    await engine.stop();
    await engine.removeProfile(teamId).catch(() => undefined);
    dir.cleanup();
  }
});
