/**
 * Shared test fixtures for the approver engine: a real control plane, a team, an
 * operator ("agent") that opens approvals with a real operator key, temp dirs, and an
 * engine wired to the real OS keychain (or skipped, with the reason, outside a keyring session).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DecisionOutcome } from '../../src/approver/api.ts';
import { reviewedOf } from '../../src/approver/display.ts';
import { ApproverEngine, type ApproverEngineOptions } from '../../src/approver/engine.ts';
import { type KeychainOwner, KeyringKeyStore } from '../../src/approver/key-store.ts';
import { ProfilesConfig } from '../../src/approver/profiles.ts';
import { ControlPlaneClient } from '../../src/client/index.ts';
import type { Approval } from '../../src/core/api.ts';
import { b64url } from '../../src/core/encoding.ts';
import { buildReceipt, generateKeyPair, type JsonObject } from '../../src/core/index.ts';
import type { CloudHandle } from '../support/cloud.ts';

/** Why keychain tests skip here, or false when the real keychain is available. */
export const KEYRING_SKIP: string | false = process.env.HESO_TEST_KEYRING
  ? false
  : 'needs the OS keychain: run inside scripts/with-keyring.sh (npm test does), which sets HESO_TEST_KEYRING=1';

export function tempDir(prefix = 'heso-approver-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** A unique keychain service per test run, so parallel test files never see each other's items. */
export function testKeyStore(): KeyringKeyStore {
  return new KeyringKeyStore({ service: `heso-approver-test-${process.pid}-${Math.random().toString(36).slice(2)}` });
}

/**
 * Adds `Connection: close` to every request. Workaround: a long-poll aborted by
 * `engine.stop()` leaves a server-side connection that becomes idle only after
 * `startCloud().stop()` began, and Fastify's `forceCloseConnections: 'idle'` then waits
 * for its 72 s keep-alive timeout. Production keeps keep-alive; only tests close.
 */
export function closingFetch(inner: typeof fetch = fetch): typeof fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('connection', 'close');
    return inner(input, { ...init, headers });
  };
}

export function makeEngine(
  dir: string,
  options: Partial<ApproverEngineOptions> & Pick<ApproverEngineOptions, 'keyStore'>,
): ApproverEngine {
  return new ApproverEngine({
    configDir: join(dir, 'config'),
    dataDir: join(dir, 'data'),
    pollWaitSeconds: 5,
    notifications: { gatherMs: 20, minIntervalMs: 200 },
    ...options,
    fetch: closingFetch(options.fetch),
  });
}

/** The workflow `makeAgent` signs for. */
export const AGENT_WORKFLOW = 'refund-bot';

/** The operator side: signs suspended receipts with its own key and opens approvals. */
export function makeAgent(cloud: Pick<CloudHandle, 'url'>, teamId: string, apiKey: string) {
  const operator = generateKeyPair();
  const client = new ControlPlaneClient({ endpoint: cloud.url, apiKey, fetch: closingFetch() });
  let n = 0;
  return {
    client,
    /** The operator public key (base64url), what an admin pins with `trust add-operator`. */
    operatorPublicKey: b64url.encode(operator.publicKey),
    async open(params: JsonObject = {}, expiresInSeconds = 600): Promise<Approval> {
      n += 1;
      const receipt = buildReceipt(
        {
          teamId,
          action: {
            tool: 'payments.refund',
            params: { amount: 250 + n, currency: 'EUR', orderId: `order-${n}`, ...params },
            account: 'acme-shop',
            workflow: AGENT_WORKFLOW,
            capturedAt: new Date().toISOString(),
            summary: `Refund order ${n}`,
          },
          verdict: 'suspend',
          policy: { version: 'demo-1', ruleId: 'big-refunds' },
        },
        operator.secretKey,
      );
      return client.openApproval(teamId, { receipt, expiresInSeconds });
    },
    poll(id: string, waitSeconds?: number): Promise<Approval> {
      return client.getApproval(teamId, id, waitSeconds === undefined ? {} : { waitSeconds });
    },
  };
}

/** Pins the agent's operator key in a profile for its workflow, as an admin does up front. */
export async function trustAgent(
  engine: Pick<ApproverEngine, 'trustOperator'>,
  profile: string,
  agent: { operatorPublicKey: string },
): Promise<void> {
  await engine.trustOperator({ publicKey: agent.operatorPublicKey, workflows: [AGENT_WORKFLOW], profile });
}

/** Approves the way the app and the CLI do: the item as shown is what the decision is bound to. */
export async function approveShown(
  engine: ApproverEngine,
  approvalId: string,
  opts: { profile?: string; reason?: string } = {},
): Promise<DecisionOutcome> {
  const item = await engine.fetchItem(approvalId, opts.profile);
  if (!item) throw new Error(`approval ${approvalId} not found`);
  return engine.decide({ approvalId, decision: 'approve', reviewed: reviewedOf(item), ...opts });
}

/** Resolves with the first event payload that satisfies `match` (rejects after `ms`, so a hang fails loudly). */
export function nextEvent<T>(
  subscribe: (listener: (payload: T) => void) => () => void,
  match: (payload: T) => boolean = () => true,
  ms = 15_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`event not seen within ${ms} ms`));
    }, ms);
    const off = subscribe((payload) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

/** Whose keychain items a profile's are (name + keychain id from profiles.json), to look them up in tests. */
export async function keychainOwnerOf(configDir: string, profileName: string): Promise<KeychainOwner> {
  const stored = await new ProfilesConfig(configDir).get(profileName);
  if (!stored) throw new Error(`no profile ${profileName} in ${configDir}`);
  return { name: stored.name, keychainId: stored.keychainId };
}
