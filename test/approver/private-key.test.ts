/**
 * The L1 private key never leaves the keychain: during a full enrol → rotate → decide
 * run, no HTTP request (URL, headers, body), log line, emitted event or file the engine
 * writes contains the private key bytes in hex, base64 or base64url.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { EngineEvents, PendingItem } from '../../src/approver/api.ts';
import { reviewedOf } from '../../src/approver/display.ts';
import { accounts } from '../../src/approver/key-store.ts';
import type { Logger } from '../../src/approver/runtime.ts';
import { b64url, toHex } from '../../src/core/index.ts';
import { setupTeam, startCloud } from '../support/cloud.ts';
import {
  KEYRING_SKIP,
  keychainOwnerOf,
  makeAgent,
  makeEngine,
  nextEvent,
  tempDir,
  testKeyStore,
  trustAgent,
} from './helpers.ts';

function encodings(secretB64url: string): string[] {
  const bytes = b64url.decode(secretB64url);
  const base64 = Buffer.from(bytes).toString('base64');
  return [toHex(bytes), toHex(bytes).toUpperCase(), base64, base64.replace(/=+$/, ''), secretB64url];
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

test('the private key appears in no request, log line, event or file during enrol → rotate → decide', {
  skip: KEYRING_SKIP,
}, async () => {
  const cloud = await startCloud();
  const dir = tempDir();
  const keyStore = testKeyStore();
  const transcript: string[] = [];
  const capture = (what: string, value: unknown) => transcript.push(`${what} ${JSON.stringify(value)}`);
  const fetchSpy: typeof fetch = async (input, init) => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => {
      headers[k] = v;
    });
    capture('request', { url: String(input), method: init?.method, headers, body: init?.body ?? null });
    const response = await fetch(input, init);
    capture('response', { status: response.status, body: await response.clone().text() });
    return response;
  };
  const logger: Logger = {
    debug: (m, f) => capture('log.debug', [m, f]),
    info: (m, f) => capture('log.info', [m, f]),
    warn: (m, f) => capture('log.warn', [m, f]),
    error: (m, f) => capture('log.error', [m, f]),
  };
  const engine = makeEngine(dir.path, { keyStore, fetch: fetchSpy, logger });
  for (const event of ['queue', 'added', 'updated', 'removed', 'expired', 'connection', 'notify'] as const) {
    engine.on(event, (payload: EngineEvents[typeof event]) => capture(`event.${event}`, payload));
  }
  const secrets: string[] = [];
  let teamId = '';
  try {
    const team = await setupTeam(cloud);
    teamId = team.teamId;
    const first = await engine.initProfile({ endpoint: cloud.url, teamId, apiKey: team.apiKey, displayName: 'S' });
    const owner = await keychainOwnerOf(join(dir.path, 'config'), first.name);
    secrets.push((await keyStore.get(accounts.privateKey(owner, first.keyId)))!);
    const rotated = await engine.rotateKey(first.name);
    secrets.push((await keyStore.get(accounts.privateKey(owner, rotated.keyId)))!);
    await cloud.admin.activateApprover(teamId, rotated.keyId);
    capture('profile', await engine.refreshKeyStatus(rotated.name));
    await engine.start(rotated.name);
    const agent = makeAgent(cloud, teamId, team.apiKey);
    await trustAgent(engine, rotated.name, agent);
    const added = nextEvent<PendingItem>((l) => engine.on('added', l));
    const a = await agent.open();
    const shown = await added;
    const outcome = await engine.decide({ approvalId: a.id, decision: 'approve', reviewed: reviewedOf(shown) });
    assert.equal(outcome.status, 'accepted', outcome.message);
    capture('outcome', outcome);
    const b = await agent.open();
    capture('outcome', await engine.decide({ approvalId: b.id, decision: 'deny', reason: 'no' }));
    capture('history', await engine.history());
    capture('profiles', await engine.listProfiles());
    await engine.stop();
    for (const file of filesUnder(dir.path)) capture(`file ${file}`, readFileSync(file, 'utf8'));

    assert.equal(secrets.length, 2);
    assert.ok(secrets.every((s) => typeof s === 'string' && b64url.decode(s).length === 32));
    assert.ok(
      transcript.some((t) => t.startsWith('request') && t.includes('/decision')),
      'the decision was captured',
    );
    assert.ok(
      transcript.some((t) => t.startsWith('log.')),
      'log lines were captured',
    );
    assert.ok(
      transcript.some((t) => t.startsWith('event.added')),
      'events were captured',
    );
    const text = transcript.join('\n');
    for (const secret of secrets) {
      for (const encoded of encodings(secret)) {
        assert.ok(!text.includes(encoded), `private key material (${encoded.length} chars) leaked`);
      }
    }
    // The API key only ever travels in the Authorization header.
    const apiKeyLines = transcript.filter((t) => t.includes(team.apiKey));
    assert.ok(
      apiKeyLines.length > 0 &&
        apiKeyLines.every((t) => t.startsWith('request') && t.includes(`"authorization":"Bearer ${team.apiKey}"`)),
    );
  } finally {
    await engine.stop();
    if (teamId) await engine.removeProfile(teamId).catch(() => undefined);
    await cloud.stop();
    dir.cleanup();
  }
});
