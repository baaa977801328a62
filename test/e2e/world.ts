/**
 * One end-to-end "world" per test: a real control plane (SQLite in a temp dir), a team
 * with the demo policy, the real approver engine on the real OS keychain (the test
 * keyring session), the loopback web host serving the built renderer, a browser page on
 * it, and an operator "agent" that signs receipts with the shared core and opens
 * approvals over HTTP. Everything is torn down by `close()`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from '@playwright/test';
import { startWebHost, type WebHost } from '../../src/app/host/web-host.ts';
import type { ProfileView } from '../../src/approver/api.ts';
import { ApproverEngine } from '../../src/approver/engine.ts';
import { KeyringKeyStore } from '../../src/approver/key-store.ts';
import { ControlPlaneClient } from '../../src/client/index.ts';
import type { Approval } from '../../src/core/api.ts';
import { generateKeyPair, randomBytes } from '../../src/core/crypto.ts';
import { b64url, toHex } from '../../src/core/encoding.ts';
import type { Action, ApproverConfirmation, JsonObject, QuorumRequirement, Receipt } from '../../src/core/schemas.ts';
import { buildReceipt } from '../../src/core/statements.ts';
import { openPage, RENDERER_DIR, type TrackedPage } from '../support/browser.ts';
import { type CloudHandle, DEMO_POLICY, type StartCloudOptions, setupTeam, startCloud } from '../support/cloud.ts';
import { type HostileProxy, startHostileProxy } from '../support/hostile-proxy.ts';

/** Why keychain-backed e2e tests cannot run in this process, or null. */
export function keyringSkipReason(): string | null {
  return process.env.HESO_TEST_KEYRING === '1'
    ? null
    : 'needs the test keyring session: run via npm test or sh scripts/with-keyring.sh node --import tsx --test …';
}

export interface WorldOptions {
  /**
   * Create the profile through the engine and activate its key (as an admin would) before the
   * page opens; `'pending'` creates it but leaves the key pending activation.
   */
  onboarded?: boolean | 'pending';
  /** Put a hostile proxy (`test/support/hostile-proxy.ts`) between the engine and the control plane. */
  hostile?: boolean;
  /** Wraps the engine's fetch (e.g. to tamper with what the control plane returns). */
  engineFetch?: (realFetch: typeof fetch) => typeof fetch;
  colorScheme?: 'light' | 'dark';
  /** Control-plane options, e.g. a tight `rateLimit`. */
  cloud?: StartCloudOptions;
  /**
   * Whether an onboarded profile has the agent's operator key pinned for its workflow up front
   * (what a team admin does). Default true; false shows the agent's requests as "first seen".
   */
  operatorPinned?: boolean;
}

/** Optional receipt fields, e.g. a rule's `confirm: 'typed-code'` or its `quorum`. */
export type ReceiptExtras = { confirm?: ApproverConfirmation; quorum?: QuorumRequirement };

export interface Agent {
  client: ControlPlaneClient;
  /** The operator public key, base64url. */
  operatorPublicKey: string;
  /** Signs (without opening) a suspended receipt for the action with this agent's operator key. */
  sign(action: Partial<Action> & { params: JsonObject }, extra?: ReceiptExtras): Receipt;
  /** Signs a suspended receipt for the action (the demo policy's `big-refunds` rule) and opens an approval. */
  open(
    action: Partial<Action> & { params: JsonObject },
    expiresInSeconds?: number,
    extra?: ReceiptExtras,
  ): Promise<{ receipt: Receipt; approval: Approval }>;
}

export interface World {
  cloud: CloudHandle;
  /** The engine's config and data directory (profiles.json, audit log). */
  configDir: string;
  teamId: string;
  apiKey: string;
  engine: ApproverEngine;
  /** The engine's keychain (a service of this world's own, `keychainService`). */
  keyStore: KeyringKeyStore;
  keychainService: string;
  host: WebHost;
  tracked: TrackedPage;
  page: Page;
  agent: Agent;
  /** The profile when `onboarded`, else null until the test creates one. */
  profile: ProfileView | null;
  /** The proxy the engine talks to, when `hostile`. */
  proxy: HostileProxy | null;
  close(): Promise<void>;
}

export const PROFILE_NAME = 'e2e';

/** A refund above the demo policy's threshold: suspended, so it needs an approver. */
export function refundAction(overrides: Partial<Action> & { params?: JsonObject } = {}): Action {
  return {
    tool: 'payments.refund',
    account: 'cust_4821',
    workflow: 'support-agent',
    capturedAt: new Date().toISOString(),
    summary: 'Refund order #99812 (damaged in transit)',
    params: { amount: 250, currency: 'EUR', orderId: '99812', notify: { email: true, sms: false } },
    ...overrides,
  };
}

export async function createWorld(browser: Browser, options: WorldOptions = {}): Promise<World> {
  // Torn down in this order whatever order they were made in: the page and the web host first,
  // then the control plane before the engine — stopping the engine first leaves its aborted
  // long-poll on a server connection that keeps the server's close() waiting for its
  // keep-alive timeout (about 70 s).
  const order = ['page', 'host', 'proxy', 'cloud', 'engine', 'files'] as const;
  const cleanups = new Map<(typeof order)[number], () => Promise<void> | void>();
  const close = async () => {
    for (const slot of order) {
      const cleanup = cleanups.get(slot);
      cleanups.delete(slot);
      try {
        await cleanup?.();
      } catch {
        // Keep tearing down the rest; a failed cleanup must not hide the test's own result.
      }
    }
  };
  try {
    const cloud = await startCloud(options.cloud);
    cleanups.set('cloud', () => cloud.stop());
    const { teamId, apiKey } = await setupTeam(cloud, 'E2E team');
    const proxy = options.hostile ? await startHostileProxy(cloud.url) : null;
    if (proxy) cleanups.set('proxy', () => proxy.stop());

    const configDir = mkdtempSync(join(tmpdir(), 'heso-e2e-app-'));
    cleanups.set('files', () => rmSync(configDir, { recursive: true, force: true }));
    // A keychain service of our own, so tests running side by side never share secrets.
    const keychainService = `heso-approver-e2e-${toHex(randomBytes(6))}`;
    const keyStore = new KeyringKeyStore({ service: keychainService });
    const engine = new ApproverEngine({
      keyStore,
      configDir,
      pollWaitSeconds: 5,
      ...(options.engineFetch ? { fetch: options.engineFetch(globalThis.fetch.bind(globalThis)) } : {}),
    });
    cleanups.set('engine', async () => {
      await engine.stop();
      for (const profile of await engine.listProfiles()) await engine.removeProfile(profile.name);
    });

    let profile: ProfileView | null = null;
    if (options.onboarded) {
      profile = await engine.initProfile({
        endpoint: proxy?.url ?? cloud.url,
        teamId,
        apiKey,
        displayName: 'Dana Reviewer',
        profileName: PROFILE_NAME,
      });
      if (options.onboarded !== 'pending') await cloud.admin.activateApprover(teamId, profile.keyId);
      profile = await engine.refreshKeyStatus(PROFILE_NAME);
    }

    const host = await startWebHost({ engine, port: 0, rendererDir: RENDERER_DIR });
    cleanups.set('host', () => host.stop());

    const operator = generateKeyPair();
    const client = new ControlPlaneClient({ endpoint: cloud.url, apiKey });
    const sign = (partial: Partial<Action> & { params: JsonObject }, extra: ReceiptExtras = {}) =>
      buildReceipt(
        {
          teamId,
          action: refundAction(partial),
          verdict: 'suspend',
          policy: { version: DEMO_POLICY.version, ruleId: 'big-refunds' },
          ...extra,
        },
        operator.secretKey,
      );
    const agent: Agent = {
      client,
      operatorPublicKey: b64url.encode(operator.publicKey),
      sign,
      async open(partial, expiresInSeconds = 600, extra = {}) {
        const receipt = sign(partial, extra);
        const approval = await client.openApproval(teamId, { receipt, expiresInSeconds });
        return { receipt, approval };
      },
    };

    if (profile && options.operatorPinned !== false) {
      await engine.trustOperator({
        publicKey: agent.operatorPublicKey,
        workflows: [refundAction().workflow],
        profile: profile.name,
      });
    }

    const tracked = await openPage(browser, { colorScheme: options.colorScheme ?? 'light' });
    cleanups.set('page', () => tracked.close());
    await tracked.page.goto(host.url);
    return {
      cloud,
      configDir,
      teamId,
      apiKey,
      engine,
      keyStore,
      keychainService,
      host,
      tracked,
      page: tracked.page,
      agent,
      profile,
      proxy,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The engine's fetch, with the params of matching approvals rewritten in every pending-list response. */
export function tamperingFetch(
  shouldTamper: (action: Action) => boolean,
  tamper: (params: JsonObject) => void,
): (realFetch: typeof fetch) => typeof fetch {
  return (realFetch) => async (input, init) => {
    const response = await realFetch(input, init);
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    if (method !== 'GET' || !url.pathname.endsWith('/approvals') || !response.ok) return response;
    const body = (await response.json()) as { approvals: Approval[] };
    for (const approval of body.approvals) {
      const action = approval.receipt.statement.action;
      if (shouldTamper(action)) tamper(action.params);
    }
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    headers.delete('content-encoding');
    return new Response(JSON.stringify(body), { status: response.status, statusText: response.statusText, headers });
  };
}

/**
 * Opens an approval's detail from the queue and waits until its decision buttons take pointer
 * input (they ignore it for a moment after the view opens, so a double-click cannot reach them).
 */
export async function openDetail(page: Page, approvalId: string): Promise<void> {
  await page.locator(`[data-testid=queue-item][data-approval-id="${approvalId}"]`).click();
  await page.locator(`[data-testid=detail][data-approval-id="${approvalId}"]`).waitFor();
  await page.locator('[data-testid=decision-panel][data-settled=true]').waitFor();
}

/** Clicks Approve… and then the dialog's confirm button once it has armed itself. */
export async function approveInDialog(page: Page): Promise<void> {
  await page.getByTestId('approve-button').click();
  await page.locator('[data-testid=confirm-approve][data-armed=true]').click();
}
