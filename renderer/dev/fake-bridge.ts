/**
 * Development-only, in-memory `window.heso` (built with `vite build --mode fake`; never in
 * the production bundle). Real signatures from the shared core, so the verifier and the
 * local-verification display behave as they do for real. The URL's `?fake=` picks a
 * scenario: `onboarding`, `empty`, `offline`, `ratelimited`, `authfailed`, `quarantine`,
 * `newoperator` (the first item is signed by an operator key this profile has not trusted yet).
 */

import type {
  EventChannel,
  EventContract,
  HesoBridge,
  InvokeArgs,
  InvokeChannel,
  InvokeResult,
  Settings,
} from '../../src/app/contract.ts';
import type {
  AuditEntryView,
  ConnectionState,
  DecisionOutcome,
  HistoryView,
  PendingItem,
  ProfileView,
  QueueSnapshot,
} from '../../src/approver/api.ts';
import type { Approval } from '../../src/core/api.ts';
import { fingerprintOf, generateKeyPair, keyIdOf, randomBytes } from '../../src/core/crypto.ts';
import { b64url } from '../../src/core/encoding.ts';
import type { Action } from '../../src/core/schemas.ts';
import { attachCosignature, buildCosignature } from '../../src/core/statements.ts';
import { makePendingItem } from './fake-items.ts';

const scenario = new URLSearchParams(location.search).get('fake') ?? 'default';
const TEAM = 'acme-payments';
const operator = generateKeyPair();
const approver = generateKeyPair();
const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

function makeItem(
  action: Action,
  ruleId: string | null,
  expiresInMs: number,
  tamper = false,
  firstSeen = false,
): PendingItem {
  return makePendingItem({ teamId: TEAM, operator, action, ruleId, expiresInMs, tamper, firstSeen });
}

function seedItems(): PendingItem[] {
  if (scenario === 'empty' || scenario === 'onboarding') return [];
  const items = [
    makeItem(
      {
        tool: 'payments.refund',
        account: 'cust_4821',
        workflow: 'support-agent',
        capturedAt: iso(-100_000),
        summary: 'Refund order #99812 (damaged in transit)',
        params: { amount: 1250, currency: 'EUR', orderId: '99812', reason: 'damaged', notify: { email: true } },
      },
      'refunds-over-1000',
      14 * 60_000,
      false,
      scenario === 'newoperator',
    ),
    makeItem(
      {
        tool: 'db.deleteTable',
        account: 'prod-eu-1',
        workflow: 'cleanup-bot',
        capturedAt: iso(-60_000),
        summary: 'Drop unused table',
        params: { database: 'orders', table: 'legacy_orders\u202Egnp.exe', environment: 'production' },
      },
      'prod-destructive',
      90_000,
    ),
  ];
  if (scenario === 'quarantine') {
    items.unshift(
      makeItem(
        {
          tool: 'payments.transfer',
          account: 'treasury',
          workflow: 'ap-agent',
          capturedAt: iso(-30_000),
          params: { amount: 12, currency: 'USD', iban: 'DE89370400440532013000' },
        },
        'transfers',
        10 * 60_000,
        true,
      ),
    );
  }
  return items;
}

const connectionFor = (): ConnectionState => {
  const base = { retryAt: iso(25_000), lastSyncAt: iso(-120_000) };
  switch (scenario) {
    case 'offline':
      return { kind: 'reconnecting', message: 'The control plane cannot be reached (connection refused).', ...base };
    case 'ratelimited':
      return { kind: 'rate_limited', message: 'The control plane asked us to wait (HTTP 429).', ...base };
    case 'authfailed':
      return {
        kind: 'auth_failed',
        message: 'API key rejected: ask your admin for a new key and set up the profile again.',
        retryAt: null,
        lastSyncAt: base.lastSyncAt,
      };
    default:
      return { kind: 'online', message: 'Connected', retryAt: null, lastSyncAt: iso(0) };
  }
};

export function installFakeBridge(): void {
  const listeners = new Map<EventChannel, Set<(payload: unknown) => void>>();
  let profiles: ProfileView[] =
    scenario === 'onboarding'
      ? []
      : [
          {
            name: TEAM,
            endpoint: 'https://heso.example.com',
            teamId: TEAM,
            displayName: 'Dana Reviewer',
            keyId: keyIdOf(approver.publicKey),
            publicKey: b64url.encode(approver.publicKey),
            fingerprint: fingerprintOf(approver.publicKey),
            keyStatus: 'active',
            hasApiKey: true,
            apiKeyRole: 'approver',
          },
        ];
  let items = seedItems();
  let following: string | null = null;
  let settings: Settings = { notifications: true, launchAtLogin: false, closeToTray: true };
  const history: HistoryView = { entries: [], verification: { ok: true, count: 0, problem: null } };

  const emit = <E extends EventChannel>(event: E, payload: EventContract[E]) => {
    for (const listener of listeners.get(event) ?? []) listener(payload);
  };
  const snapshot = (): QueueSnapshot => ({ profile: following, items, connection: connectionFor() });
  const audit = (
    kind: 'enrol' | 'decision',
    summary: string,
    approvalId: string | null,
    decision: 'approve' | 'deny' | null,
    decided: AuditEntryView['decided'] = null,
  ) => {
    history.entries.push({
      decided,
      seq: history.entries.length + 1,
      kind,
      at: iso(0),
      summary,
      approvalId,
      decision,
      hash: `sha256:${Array.from(randomBytes(32), (b) => b.toString(16).padStart(2, '0')).join('')}`,
    });
    history.verification = { ok: true, count: history.entries.length, problem: null };
  };
  audit('enrol', 'Enrolled approver key', null, null);

  const handlers: { [C in InvokeChannel]: (args: InvokeArgs<C>) => InvokeResult<C> } = {
    'app:info': () => ({ version: '0.1.0-fake', platform: 'linux', shell: 'browser' }),
    'profiles:list': () => profiles,
    'profiles:init': (args) => {
      const key = generateKeyPair();
      const profile: ProfileView = {
        name: args.profileName ?? args.teamId,
        endpoint: args.endpoint,
        teamId: args.teamId,
        displayName: args.displayName,
        keyId: keyIdOf(key.publicKey),
        publicKey: b64url.encode(key.publicKey),
        fingerprint: fingerprintOf(key.publicKey),
        keyStatus: 'pending',
        hasApiKey: true,
        apiKeyRole: 'approver',
      };
      profiles = [...profiles, profile];
      return profile;
    },
    'profiles:refresh': ({ name }) => {
      profiles = profiles.map((p) => (p.name === name ? { ...p, keyStatus: 'active' } : p));
      return profiles.find((p) => p.name === name)!;
    },
    'profiles:replaceApiKey': ({ name }) => profiles.find((p) => p.name === name)!,
    'profiles:rotateKey': ({ name }) => {
      const key = generateKeyPair();
      profiles = profiles.map((p) =>
        p.name === name
          ? {
              ...p,
              keyId: keyIdOf(key.publicKey),
              publicKey: b64url.encode(key.publicKey),
              fingerprint: fingerprintOf(key.publicKey),
              keyStatus: 'pending',
            }
          : p,
      );
      return profiles.find((p) => p.name === name)!;
    },
    'profiles:remove': ({ name }) => {
      profiles = profiles.filter((p) => p.name !== name);
      if (following === name) following = null;
      return null;
    },
    'queue:start': ({ name }) => {
      following = name;
      setTimeout(() => emit('queue', snapshot()), 0);
      return null;
    },
    'queue:snapshot': () => snapshot(),
    'approval:get': ({ approvalId }) => items.find((i) => i.approval.id === approvalId) ?? null,
    'approval:decide': ({ approvalId, decision, reason }) => {
      const item = items.find((i) => i.approval.id === approvalId);
      if (!item)
        return { status: 'already_decided', message: 'Someone already decided this approval.', approval: null };
      const cosignature = buildCosignature(
        { approval: item.approval, decision, ...(reason ? { reason } : {}) },
        approver.secretKey,
      );
      const approval: Approval = {
        ...item.approval,
        status: decision === 'approve' ? 'approved' : 'denied',
        cosignature,
        decidedAt: cosignature.statement.decidedAt,
        receipt: attachCosignature(item.approval.receipt, cosignature),
      };
      items = items.filter((i) => i !== item);
      const { tool, account, workflow, params } = item.approval.receipt.statement.action;
      audit('decision', `${decision} ${tool}`, approvalId, decision, {
        action: { tool, account, workflow, params },
        shortCode: item.shortCode,
        reason: reason ?? null,
        outcome: 'accepted',
        receiptId: item.approval.receipt.statement.receiptId,
        actionHash: item.approval.receipt.statement.actionHash,
      });
      setTimeout(() => emit('queue', snapshot()), 0);
      const outcome: DecisionOutcome = {
        status: 'accepted',
        message: decision === 'approve' ? 'The agent may now run the action.' : 'The agent was told not to run it.',
        approval,
      };
      return outcome;
    },
    'approval:withdraw': () => ({
      withdrawn: false,
      message: 'Nothing to withdraw: no signed decision for this approval is waiting to be sent on this device.',
    }),
    'approval:rule': ({ approvalId }) => {
      const item = items.find((i) => i.approval.id === approvalId);
      const policy = item?.approval.receipt.statement.policy ?? { version: '2026-11-27.3', ruleId: null };
      return {
        ...policy,
        rule: policy.ruleId
          ? {
              id: policy.ruleId,
              description: 'Refunds above 1000 need a human',
              verdict: 'suspend',
              when: ['amount > 1000'],
            }
          : null,
        problem: policy.ruleId ? null : "No rule matched: the policy's default verdict applied.",
      };
    },
    'operators:list': () => [],
    'operators:trustItem': ({ approvalId, fingerprint }) => {
      const item = items.find((i) => i.approval.id === approvalId);
      if (!item || item.operator.fingerprint !== fingerprint) throw new Error('That is not the key of this request.');
      const trusted: PendingItem = {
        ...item,
        operator: { ...item.operator, trust: 'trusted' },
        verification: { ok: !item.quarantined, reasons: item.quarantined ? item.verification.reasons : [] },
      };
      items = items.map((i) => (i === item ? trusted : i));
      setTimeout(() => emit('queue', snapshot()), 0);
      return trusted;
    },
    'history:get': () => history,
    'settings:get': () => settings,
    'settings:set': (patch) => {
      settings = { ...settings, ...patch };
      return settings;
    },
  };

  const bridge: HesoBridge = {
    async invoke(channel, args) {
      await new Promise((resolve) => setTimeout(resolve, 60));
      const handler = handlers[channel] as (a: typeof args) => InvokeResult<typeof channel>;
      return handler(args);
    },
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      set.add(listener as (payload: unknown) => void);
      listeners.set(event, set);
      return () => set.delete(listener as (payload: unknown) => void);
    },
  };
  window.heso = bridge;
}
