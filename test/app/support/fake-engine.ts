/**
 * A small in-memory `ApproverEngineApi` for the app's unit tests: records every call, emits
 * events on demand, and can be told to fail. Holds a fake API key so tests can prove that no
 * secret ever crosses the IPC boundary.
 */
import type {
  ApproverEngineApi,
  ConnectionState,
  DecideInput,
  DecisionOutcome,
  EngineEvents,
  HistoryView,
  InitProfileInput,
  PendingItem,
  ProfileView,
  QueueSnapshot,
  RuleView,
  TrustedOperatorView,
  TrustItemOperatorInput,
  TrustOperatorInput,
  WithdrawOutcome,
} from '../../../src/approver/api.ts';

export const FAKE_CONNECTION: ConnectionState = {
  kind: 'online',
  message: 'Connected',
  retryAt: null,
  lastSyncAt: '2026-01-01T00:00:00.000Z',
};

export function fakeItem(approvalId: string): PendingItem {
  return {
    approval: { id: approvalId, status: 'pending' } as unknown as PendingItem['approval'],
    verification: { ok: true, reasons: [] },
    quarantined: false,
    operator: {
      keyId: '1'.repeat(32),
      fingerprint: '1111 1111 1111 1111 1111 1111 1111 1111',
      publicKey: 'B'.repeat(43),
      workflow: 'deploy-bot',
      trust: 'trusted',
      pinnedKeys: [],
    },
    shortCode: 'ABCD-1234',
    canonicalAction: '{"tool":"deploy"}',
    receivedAt: '2026-01-01T00:00:00.000Z',
  };
}

type Listener = (payload: never) => void;

export class FakeEngine implements ApproverEngineApi {
  readonly calls: Array<{ method: string; args: unknown[] }> = [];
  readonly items = new Map<string, PendingItem>();
  /** When set, the next call of that method throws it. */
  failNext: { method: string; error: unknown } | null = null;
  profiles: ProfileView[] = [];
  readonly #listeners = new Map<string, Set<Listener>>();

  #record(method: string, ...args: unknown[]): void {
    this.calls.push({ method, args });
    if (this.failNext?.method === method) {
      const { error } = this.failNext;
      this.failNext = null;
      throw error;
    }
  }

  emit<K extends keyof EngineEvents>(event: K, payload: EngineEvents[K]): void {
    for (const l of this.#listeners.get(event) ?? []) (l as (p: EngineEvents[K]) => void)(payload);
  }

  listenerCount(event: keyof EngineEvents): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  async listProfiles(): Promise<ProfileView[]> {
    this.#record('listProfiles');
    return this.profiles;
  }
  async initProfile(input: InitProfileInput): Promise<ProfileView> {
    this.#record('initProfile', { ...input, apiKey: '<given>' });
    const view: ProfileView = {
      name: input.profileName ?? input.teamId,
      endpoint: input.endpoint,
      teamId: input.teamId,
      displayName: input.displayName,
      keyId: '0'.repeat(32),
      publicKey: 'A'.repeat(43),
      fingerprint: 'AAAA BBBB CCCC DDDD',
      keyStatus: 'pending',
      hasApiKey: true,
      apiKeyRole: 'approver',
    };
    this.profiles.push(view);
    return view;
  }
  async removeProfile(name: string): Promise<void> {
    this.#record('removeProfile', name);
  }
  async refreshKeyStatus(name: string): Promise<ProfileView> {
    this.#record('refreshKeyStatus', name);
    const found = this.profiles.find((p) => p.name === name);
    if (!found)
      throw Object.assign(new Error(`No approver profile named "${name}"`), {
        name: 'ProfileNotFoundError',
        code: 'profile_not_found',
      });
    return found;
  }
  async rotateKey(name: string): Promise<ProfileView> {
    this.#record('rotateKey', name);
    return this.refreshKeyStatus(name);
  }
  async start(profileName: string): Promise<void> {
    this.#record('start', profileName);
  }
  async stop(): Promise<void> {
    this.#record('stop');
  }
  snapshot(): QueueSnapshot {
    this.#record('snapshot');
    return { profile: 'team-1', items: [...this.items.values()], connection: FAKE_CONNECTION };
  }
  getItem(approvalId: string): PendingItem | undefined {
    this.#record('getItem', approvalId);
    return this.items.get(approvalId);
  }
  async decide(input: DecideInput): Promise<DecisionOutcome> {
    this.#record('decide', input);
    return { status: 'accepted', message: 'Approved.', approval: null };
  }
  async withdrawDecision(approvalId: string): Promise<WithdrawOutcome> {
    this.#record('withdrawDecision', approvalId);
    return { withdrawn: true, message: 'Withdrawn.' };
  }
  async listTrustedOperators(profileName?: string): Promise<TrustedOperatorView[]> {
    this.#record('listTrustedOperators', profileName);
    return [];
  }
  async trustOperator(input: TrustOperatorInput): Promise<TrustedOperatorView[]> {
    this.#record('trustOperator', input);
    return [];
  }
  async trustItemOperator(input: TrustItemOperatorInput): Promise<PendingItem> {
    this.#record('trustItemOperator', input);
    return this.items.get(input.approvalId) ?? fakeItem(input.approvalId);
  }
  async removeTrustedOperator(input: { keyId: string; workflow?: string }): Promise<TrustedOperatorView[]> {
    this.#record('removeTrustedOperator', input);
    return [];
  }
  async history(profileName?: string): Promise<HistoryView> {
    this.#record('history', profileName);
    return { entries: [], verification: { ok: true, count: 0, problem: null } };
  }
  async replaceApiKey(name: string, _apiKey: string): Promise<ProfileView> {
    this.#record('replaceApiKey', name, '<given>');
    return this.refreshKeyStatus(name);
  }
  async ruleFor(approvalId: string): Promise<RuleView> {
    this.#record('ruleFor', approvalId);
    return { version: 'v1', ruleId: null, rule: null, problem: 'fake engine' };
  }
  on<K extends keyof EngineEvents>(event: K, listener: (payload: EngineEvents[K]) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    const l = listener as Listener;
    set.add(l);
    return () => set.delete(l);
  }
}
