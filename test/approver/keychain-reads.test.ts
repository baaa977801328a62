/**
 * The decision path's keychain cost: one read of the private key per decision (shared by
 * the co-signature and its audit entry), the API key read once per session, and the
 * private key's bytes zeroed when the decision ends.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PendingItem } from '../../src/approver/api.ts';
import { reviewedOf } from '../../src/approver/display.ts';
import { accounts, type KeyStore } from '../../src/approver/key-store.ts';
import { Secrets } from '../../src/approver/secrets.ts';
import { generateKeyPair, keyIdOf } from '../../src/core/crypto.ts';
import { b64url } from '../../src/core/encoding.ts';
import { setupTeam, startCloud } from '../support/cloud.ts';
import { KEYRING_SKIP, makeAgent, makeEngine, nextEvent, tempDir, testKeyStore, trustAgent } from './helpers.ts';

/** The real keychain, with every read counted per account. */
function countingKeyStore(inner: KeyStore): KeyStore & { reads: Map<string, number> } {
  const reads = new Map<string, number>();
  return {
    reads,
    set: (account, secret) => inner.set(account, secret),
    delete: (account) => inner.delete(account),
    get: (account) => {
      reads.set(account, (reads.get(account) ?? 0) + 1);
      return inner.get(account);
    },
  };
}

test('a decision reads the private key once and the API key not at all once the session has it', {
  skip: KEYRING_SKIP,
}, async () => {
  const cloud = await startCloud();
  const dir = tempDir();
  const keyStore = countingKeyStore(testKeyStore());
  const engine = makeEngine(dir.path, { keyStore });
  let teamIdOf = '';
  try {
    const { teamId, apiKey } = await setupTeam(cloud);
    teamIdOf = teamId;
    const profile = await engine.initProfile({ endpoint: cloud.url, teamId, apiKey, displayName: 'Reads' });
    await cloud.admin.activateApprover(teamId, profile.keyId);
    await engine.start(profile.name);
    const agent = makeAgent(cloud, teamId, apiKey);
    await trustAgent(engine, profile.name, agent);
    for (const decision of ['approve', 'deny'] as const) {
      const added = nextEvent<PendingItem>((l) => engine.on('added', l));
      const opened = await agent.open();
      const item = await added;
      keyStore.reads.clear();
      const outcome = await engine.decide({
        approvalId: opened.id,
        decision,
        reviewed: reviewedOf(item),
        ...(decision === 'deny' ? { reason: 'no' } : {}),
      });
      assert.equal(outcome.status, 'accepted', outcome.message);
      const reads = Object.fromEntries(keyStore.reads);
      assert.deepEqual(
        Object.values(reads),
        [1],
        `${decision}: keychain reads during one decision: ${JSON.stringify(reads)}`,
      );
      assert.match(Object.keys(reads)[0]!, new RegExp(`:l1:${profile.keyId}$`), 'the one read is the private key');
    }
    // The audit entries signed through the shared read are valid.
    const { entries, verification } = await engine.history(profile.name);
    assert.equal(verification.ok, true, verification.problem ?? '');
    assert.equal(entries.filter((e) => e.kind === 'decision').length, 2);
  } finally {
    await engine.stop();
    await engine.removeProfile(teamIdOf).catch(() => undefined);
    await cloud.stop();
    dir.cleanup();
  }
});

test('a key session reads once, hands the same bytes to every use, and zeroes them when closed', {
  skip: KEYRING_SKIP,
}, async () => {
  const keyStore = countingKeyStore(testKeyStore());
  const secrets = new Secrets(keyStore);
  const pair = generateKeyPair();
  const keyId = keyIdOf(pair.publicKey);
  const owner = { name: 'p' };
  await keyStore.set(accounts.privateKey(owner, keyId), b64url.encode(pair.secretKey));
  try {
    const session = secrets.session(owner, keyId);
    const seen: Uint8Array[] = [];
    await Promise.all([session.use((sk) => seen.push(sk)), session.use((sk) => seen.push(sk))]);
    await session.signer().sign(new Uint8Array([1, 2, 3]));
    assert.equal(keyStore.reads.get(accounts.privateKey(owner, keyId)), 1);
    assert.deepEqual(seen[0], pair.secretKey);
    session.close();
    assert.ok(
      seen.every((sk) => sk.every((b) => b === 0)),
      'the bytes are zeroed when the decision ends',
    );
    // After the decision ended (its delivery may go on offline), a use reads afresh and keeps nothing.
    let late: Uint8Array | null = null;
    await session.use((sk) => {
      late = sk;
    });
    assert.equal(keyStore.reads.get(accounts.privateKey(owner, keyId)), 2);
    assert.ok(late !== null && (late as Uint8Array).every((b) => b === 0));
  } finally {
    await keyStore.delete(accounts.privateKey(owner, keyId));
  }
});
