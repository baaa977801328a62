/**
 * ApproverEngine: the approver app's brain, shared by the Electron main process and the
 * `heso-approver` CLI. Plain Node, no Electron. It owns the profiles, follows one
 * profile's pending queue, verifies every approval locally, signs decisions with the L1
 * key from the keychain, submits them idempotently, and keeps the signed audit log.
 */
import { join } from 'node:path';
import { ControlPlaneError } from '../client/errors.ts';
import type { Approval } from '../core/api.ts';
import type {
  ApproverEngineApi,
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
  TrustOperatorInput,
  WithdrawOutcome,
} from './api.ts';
import { auditLogOf, clientFor, type EngineContext, outboxOf, profileDir, remoteFailure, viewOf } from './context.ts';
import {
  approveRefusal,
  changedOutcome,
  checkDecideInput,
  isUnreachable,
  reviewedOfApproval,
  reviewedOfStatement,
  reviewMismatch,
} from './decide-checks.ts';
import { type DecisionOutbox, type SubmitOptions, signDecision, submitDecision } from './decisions.ts';
import { type Deliver, Deliveries } from './deliveries.ts';
import { reviewedOf } from './display.ts';
import { InputError, ProfileNotFoundError } from './errors.ts';
import { checkInput, TrustItemOperatorInput } from './inputs.ts';
import type { KeyStore } from './key-store.ts';
import { IDLE_CONNECTION, LiveQueue } from './live-queue.ts';
import { NotificationCoalescer, notificationFor, type Timers } from './notifications.ts';
import { addTrust, assertTrustable, removeTrust, type TrustedOperator } from './operator-trust.ts';
import { ruleViewOf } from './policy-rule.ts';
import * as ops from './profile-ops.ts';
import { currentKey, ProfilesConfig, type StoredProfile } from './profiles.ts';
import { listWholeQueue } from './queue-feed.ts';
import { type Clock, isoAt, type Logger, type Random, realSleep, type Sleep, silentLogger } from './runtime.ts';
import { type KeySession, Secrets } from './secrets.ts';
import { SeenApprovals } from './seen-approvals.ts';
import { inspectApproval } from './verify-approval.ts';

/** The action fields an audit entry keeps (the summary is the agent's words: not kept). */
function actionOf(item: PendingItem) {
  const { tool, account, workflow, params } = item.approval.receipt.statement.action;
  return { tool, account, workflow, params };
}

export interface ApproverEngineOptions {
  keyStore: KeyStore;
  /** Holds profiles.json (public material only). */
  configDir: string;
  /** Holds the audit logs and the decision outbox. Defaults to `configDir`. */
  dataDir?: string;
  fetch?: typeof fetch;
  clock?: Clock;
  random?: Random;
  sleep?: Sleep;
  logger?: Logger;
  /** Notification coalescing; defaults gather 1.5 s and leave ≥ 10 s between notifications. */
  notifications?: { gatherMs?: number; minIntervalMs?: number; timers?: Timers };
  /** Long-poll hold time per request. Default 25 s. */
  pollWaitSeconds?: number;
}

interface Following {
  profile: StoredProfile;
  queue: LiveQueue;
  coalescer: NotificationCoalescer;
}

type Listeners = { [K in keyof EngineEvents]: Set<(payload: EngineEvents[K]) => void> };

export class ApproverEngine implements ApproverEngineApi {
  readonly #ctx: EngineContext;
  readonly #opts: ApproverEngineOptions;
  readonly #listeners: Listeners = {
    queue: new Set(),
    added: new Set(),
    updated: new Set(),
    removed: new Set(),
    expired: new Set(),
    connection: new Set(),
    settled: new Set(),
    notify: new Set(),
  };
  #following: Following | null = null;
  /** In-flight submissions per approval, so two callers never race two signatures. */
  readonly #inFlight = new Map<string, Promise<DecisionOutcome>>();
  /** Signed decisions being delivered, per approval: one sender each, withdrawable between attempts. */
  readonly #deliveries = new Deliveries((approvalId, outcome) => this.#emit('settled', { approvalId, outcome }));
  /** First-seen approvals per profile: an approval id is immutable to this engine. */
  readonly #seen = new Map<string, SeenApprovals>();

  constructor(options: ApproverEngineOptions) {
    this.#opts = options;
    this.#ctx = {
      config: new ProfilesConfig(options.configDir),
      secrets: new Secrets(options.keyStore),
      dataDir: options.dataDir ?? options.configDir,
      fetch: options.fetch,
      clock: options.clock ?? Date.now,
      random: options.random ?? Math.random,
      sleep: options.sleep ?? realSleep,
      logger: options.logger ?? silentLogger,
    };
  }

  /* ------------------------------------------------------------------ profiles */

  async listProfiles(): Promise<ProfileView[]> {
    const profiles = await this.#ctx.config.list();
    return Promise.all(profiles.map((p) => viewOf(this.#ctx, p)));
  }

  async initProfile(input: InitProfileInput): Promise<ProfileView> {
    return viewOf(this.#ctx, await ops.initProfile(this.#ctx, input));
  }

  async removeProfile(name: string): Promise<void> {
    if (this.#following?.profile.name === name) await this.stop();
    await ops.removeProfile(this.#ctx, name);
  }

  async refreshKeyStatus(name: string): Promise<ProfileView> {
    const profile = await ops.refreshKeyStatus(this.#ctx, name);
    if (this.#following?.profile.name === name) this.#following.profile = profile;
    return viewOf(this.#ctx, profile);
  }

  async replaceApiKey(name: string, apiKey: string): Promise<ProfileView> {
    const profile = await ops.replaceApiKey(this.#ctx, name, apiKey);
    // A queue stopped by the old key's rejection starts again with the new one.
    if (this.#following?.profile.name === name) await this.start(name);
    return viewOf(this.#ctx, profile);
  }

  async rotateKey(name: string): Promise<ProfileView> {
    const profile = await ops.rotateKey(this.#ctx, name);
    if (this.#following?.profile.name === name) this.#following.profile = profile;
    return viewOf(this.#ctx, profile);
  }

  /**
   * The profile a command means: the named one, else the one being followed, else the
   * only profile. Several profiles and no name is an InputError listing them.
   */
  async resolveProfile(name?: string): Promise<StoredProfile> {
    if (name !== undefined) return ops.requireProfile(this.#ctx, name);
    if (this.#following) return (await this.#ctx.config.get(this.#following.profile.name)) ?? this.#following.profile;
    const profiles = await this.#ctx.config.list();
    if (profiles.length === 1) return profiles[0]!;
    if (profiles.length === 0) throw new ProfileNotFoundError(null);
    throw new InputError(
      `Several profiles exist (${profiles.map((p) => p.name).join(', ')}): choose one with --profile NAME.`,
    );
  }

  /* ------------------------------------------------------------------ live queue */

  async start(profileName: string): Promise<void> {
    await this.stop();
    const profile = await ops.requireProfile(this.#ctx, profileName);
    const client = await clientFor(this.#ctx, profile);
    const coalescer = new NotificationCoalescer({
      emit: (n) => this.#emit('notify', n),
      clock: this.#ctx.clock,
      ...this.#opts.notifications,
    });
    const queue = new LiveQueue({
      client,
      teamId: profile.teamId,
      clock: this.#ctx.clock,
      random: this.#ctx.random,
      sleep: this.#ctx.sleep,
      logger: this.#ctx.logger,
      waitSeconds: this.#opts.pollWaitSeconds,
      seen: this.#seenFor(profile.name),
      trustedOperators: () => this.#following?.profile.trustedOperators ?? profile.trustedOperators,
      myKeyIds: profile.keys.map((k) => k.keyId),
      events: {
        added: (item) => {
          this.#emit('added', item);
          coalescer.push(notificationFor(item));
        },
        updated: (item) => this.#emit('updated', item),
        removed: (approvalId) => {
          coalescer.withdraw(approvalId);
          this.#emit('removed', { approvalId });
        },
        expired: (approvalId) => {
          coalescer.withdraw(approvalId);
          this.#emit('expired', { approvalId });
        },
        connection: (state) => this.#emit('connection', state),
        changed: () => this.#emit('queue', this.snapshot()),
      },
    });
    this.#following = { profile, queue, coalescer };
    this.#ctx.logger.info('following the pending queue', { profile: profile.name, teamId: profile.teamId });
    queue.start();
    void this.#resumeOutbox(profile);
  }

  async stop(): Promise<void> {
    const following = this.#following;
    if (!following) return;
    this.#following = null;
    following.coalescer.dispose();
    await following.queue.stop();
    this.#emit('connection', IDLE_CONNECTION);
    this.#emit('queue', this.snapshot());
  }

  snapshot(): QueueSnapshot {
    const f = this.#following;
    if (!f) return { profile: null, items: [], connection: IDLE_CONNECTION };
    const items = [...f.queue.items.values()].sort(
      (a, b) => a.approval.createdAt.localeCompare(b.approval.createdAt) || a.approval.id.localeCompare(b.approval.id),
    );
    return { profile: f.profile.name, items, connection: f.queue.connection };
  }

  getItem(approvalId: string): PendingItem | undefined {
    return this.#following?.queue.items.get(approvalId);
  }

  /** One-shot: fetch the pending queue once (no following), verified. For `heso-approver list`. */
  async fetchQueue(profileName?: string): Promise<QueueSnapshot> {
    const profile = await this.resolveProfile(profileName);
    const client = await clientFor(this.#ctx, profile);
    const res = await listWholeQueue(client, profile.teamId, { limit: 500 }).catch((err: unknown) => {
      throw remoteFailure('list pending approvals', profile.endpoint, profile.teamId, err);
    });
    const items = res.approvals.filter((a) => a.status === 'pending').map((a) => this.#observe(profile, a).item);
    const now = isoAt(this.#ctx.clock());
    return {
      profile: profile.name,
      items,
      connection: { kind: 'online', message: 'Fetched once', retryAt: null, lastSyncAt: now },
    };
  }

  /** The item from the live queue, else fetched from the control plane and verified; null if there is none. */
  async fetchItem(approvalId: string, profileName?: string): Promise<PendingItem | null> {
    const profile = await this.resolveProfile(profileName);
    const held = this.#heldItem(profile, approvalId);
    if (held) return held;
    return (await this.#fetchFresh(profile, approvalId))?.item ?? null;
  }

  #heldItem(profile: StoredProfile, approvalId: string): PendingItem | undefined {
    return this.#following?.profile.name === profile.name ? this.getItem(approvalId) : undefined;
  }

  #seenFor(profileName: string): SeenApprovals {
    let seen = this.#seen.get(profileName);
    if (!seen) {
      seen = new SeenApprovals(join(profileDir(this.#ctx, profileName), 'seen'));
      seen.pruneStored(this.#ctx.clock());
      this.#seen.set(profileName, seen);
    }
    return seen;
  }

  /** `fresh` through the profile's first-seen registry, inspected with its operator trust. */
  #observe(profile: StoredProfile, fresh: Approval): { item: PendingItem; raw: Approval } {
    const observed = this.#seenFor(profile.name).observe(fresh);
    const now = isoAt(this.#ctx.clock());
    const item = inspectApproval(observed.approval, {
      teamId: profile.teamId,
      now,
      receivedAt: now,
      trustedOperators: profile.trustedOperators,
      changed: observed.changed,
      myKeyIds: profile.keys.map((k) => k.keyId),
    });
    return { item, raw: fresh };
  }

  /** Asks the control plane now (never the held copy); the client refuses another id or team. Null when there is none. */
  async #fetchFresh(profile: StoredProfile, approvalId: string): Promise<{ item: PendingItem; raw: Approval } | null> {
    const client = await clientFor(this.#ctx, profile);
    let approval: Approval;
    try {
      approval = await client.getApproval(profile.teamId, approvalId);
    } catch (err) {
      if (err instanceof ControlPlaneError && err.kind === 'not_found') return null;
      throw remoteFailure(`fetch approval ${approvalId}`, profile.endpoint, profile.teamId, err);
    }
    return this.#observe(profile, approval);
  }

  /* ------------------------------------------------------------------ operator-key trust */

  async listTrustedOperators(profileName?: string): Promise<TrustedOperatorView[]> {
    return (await this.resolveProfile(profileName)).trustedOperators;
  }

  async trustOperator(input: TrustOperatorInput): Promise<TrustedOperatorView[]> {
    const profile = await this.resolveProfile(input.profile);
    const now = isoAt(this.#ctx.clock());
    return this.#updateTrust(profile.name, (list) =>
      addTrust(list, {
        publicKey: input.publicKey,
        workflows: input.workflows,
        source: 'pinned',
        now,
        replace: input.replace,
      }),
    );
  }

  async trustItemOperator(raw: TrustItemOperatorInput): Promise<PendingItem> {
    const input = checkInput(TrustItemOperatorInput, raw);
    const profile = await this.resolveProfile(input.profile);
    const item = await this.fetchItem(input.approvalId, profile.name);
    if (!item)
      throw new InputError(`No approval "${input.approvalId}" for team "${profile.teamId}": nothing was trusted.`);
    const { operator } = item;
    assertTrustable(item, input.fingerprint);
    if (operator.trust === 'trusted') return item;
    const now = isoAt(this.#ctx.clock());
    await this.#updateTrust(profile.name, (list) =>
      addTrust(list, { publicKey: operator.publicKey, workflows: [operator.workflow], source: 'confirmed', now }),
    );
    this.#ctx.logger.info('operator key trusted', { keyId: operator.keyId, workflow: operator.workflow });
    return (await this.fetchItem(input.approvalId, profile.name)) ?? item;
  }

  async removeTrustedOperator(input: {
    keyId: string;
    workflow?: string;
    profile?: string;
  }): Promise<TrustedOperatorView[]> {
    const profile = await this.resolveProfile(input.profile);
    return this.#updateTrust(profile.name, (list) => removeTrust(list, input.keyId, input.workflow));
  }

  /** Changes a profile's trusted operator keys; held items are re-inspected so the UI sees the new trust at once. */
  async #updateTrust(
    name: string,
    change: (list: readonly TrustedOperator[]) => TrustedOperator[],
  ): Promise<TrustedOperatorView[]> {
    const updated = await ops.updateTrustedOperators(this.#ctx, name, change);
    if (this.#following?.profile.name === name) {
      this.#following.profile = updated;
      this.#following.queue.reinspect();
    }
    return updated.trustedOperators;
  }

  /* ------------------------------------------------------------------ decisions */

  decide(input: DecideInput): Promise<DecisionOutcome> {
    const key = input.approvalId;
    const running = this.#inFlight.get(key);
    if (running) return running;
    const run = this.#decide(input).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, run);
    return run;
  }

  async #decide(raw: DecideInput): Promise<DecisionOutcome> {
    const input = checkDecideInput(raw);
    const { reason } = input;
    const profile = await this.resolveProfile(input.profile);
    const outbox = outboxOf(this.#ctx, profile.name);

    const earlier = await outbox.get(input.approvalId);
    if (earlier) {
      const changed = input.reviewed ? reviewMismatch(input.reviewed, [reviewedOfStatement(earlier.statement)]) : [];
      if (changed.length > 0) return changedOutcome(changed, null);
      if (earlier.statement.decision !== input.decision) {
        return {
          status: 'refused',
          message: `You already signed "${earlier.statement.decision}" for this approval on this device and it is still being submitted; it cannot be changed.`,
          approval: null,
        };
      }
      return this.#send(profile, outbox, earlier, input.returnWhenQueued);
    }

    // What is signed must be what was reviewed: the copy held since the item was first seen AND
    // the control plane's answer right now (checked for id and team by the client).
    const held = this.#heldItem(profile, input.approvalId);
    const fresh = await this.#fetchFresh(profile, input.approvalId).catch((err: unknown) => {
      // Offline, the copy held since it was first seen (immutable, verified) is what gets signed;
      // the decision then waits in the outbox. Anything but unreachability still refuses.
      if (!held || !isUnreachable(err)) throw err;
      this.#ctx.logger.warn('control plane unreachable: deciding on the copy held since first seen', {
        approvalId: input.approvalId,
      });
      return { item: held, raw: held.approval };
    });
    if (!fresh)
      return {
        status: 'refused',
        message: `No approval "${input.approvalId}" for team "${profile.teamId}".`,
        approval: null,
      };
    const { item } = fresh;
    const { approval } = item;
    if (approval.status === 'approved' || approval.status === 'denied') {
      const why = item.quorum ? (approval.status === 'approved' ? ': its quorum was met' : ': a deny vetoed it') : '';
      return { status: 'already_decided', message: `This approval was already ${approval.status}${why}.`, approval };
    }
    if (item.quorum?.decidedByMe) {
      const mine = item.quorum.decidedByMe === 'approve' ? 'approved' : 'denied';
      return {
        status: 'already_decided',
        message: `You already ${mine} this approval (${item.quorum.progress.approvals} of ${item.quorum.progress.required}, ${item.quorum.waitingFor}); each approver decides once.`,
        approval,
      };
    }
    if (approval.status === 'expired' || Date.parse(approval.expiresAt) <= this.#ctx.clock()) {
      return { status: 'expired', message: `The approval expired at ${approval.expiresAt}.`, approval };
    }
    if (input.reviewed) {
      // A deny may sign the first-seen copy of a changed approval (refusing never makes anything
      // run); an approve needs the control plane's current answer to match as well.
      const candidates = [held, item].flatMap((i) => (i ? [reviewedOf(i)] : []));
      if (input.decision === 'approve') candidates.push(reviewedOfApproval(fresh.raw));
      const changed = reviewMismatch(input.reviewed, candidates);
      if (changed.length > 0) return changedOutcome(changed, approval);
    }
    if (input.decision === 'approve') {
      const refusal = approveRefusal(item);
      if (refusal) return refusal;
    }
    const decidedAt = isoAt(this.#ctx.clock());
    // One keychain read for the co-signature and the decision's audit entry; zeroed when the decision ends.
    const keys = this.#ctx.secrets.session(profile, profile.keyId);
    try {
      const cosignature = await keys.use((sk) => signDecision(approval, input.decision, reason, decidedAt, sk));
      await outbox.put(cosignature);
      this.#ctx.logger.info('decision signed', { approvalId: approval.id, decision: input.decision });
      return await this.#send(profile, outbox, cosignature, input.returnWhenQueued, keys);
    } finally {
      keys.close();
    }
  }

  /** Delivers a signed decision (joining a delivery already running for it); see `DecideInput.returnWhenQueued`. */
  #send(
    profile: StoredProfile,
    outbox: DecisionOutbox,
    cosignature: Parameters<typeof submitDecision>[0],
    returnWhenQueued = false,
    keys?: KeySession,
  ): Promise<DecisionOutcome> {
    const st = cosignature.statement;
    const deliver: Deliver = (delivery) => this.#submit(profile, outbox, cosignature, delivery, keys);
    return this.#deliveries.send(st.approvalId, st.expiresAt, deliver, returnWhenQueued);
  }

  withdrawDecision(approvalId: string): Promise<WithdrawOutcome> {
    return this.#deliveries.withdraw(approvalId);
  }

  async #submit(
    profile: StoredProfile,
    outbox: DecisionOutbox,
    cosignature: Parameters<typeof submitDecision>[0],
    delivery: Pick<SubmitOptions, 'pending' | 'onQueued'> = {},
    keys?: KeySession,
  ): Promise<DecisionOutcome> {
    const st = cosignature.statement;
    // What the person reviewed, for the audit entry: the held item, only if it is the action signed for.
    const held = this.#heldItem(profile, st.approvalId);
    const reviewed = held?.approval.receipt.statement.actionHash === st.actionHash ? held : undefined;
    const outcome = await submitDecision(cosignature, {
      client: await clientFor(this.#ctx, profile),
      teamId: profile.teamId,
      clock: this.#ctx.clock,
      random: this.#ctx.random,
      sleep: this.#ctx.sleep,
      logger: this.#ctx.logger,
      fingerprint: currentKey(profile).fingerprint,
      ...delivery,
    });
    this.#ctx.logger.info('decision settled', { approvalId: st.approvalId, outcome: outcome.status });
    // A refusal for a key that is not active yet is worth retrying after activation with a fresh signature.
    await outbox.remove(st.approvalId);
    // Only a settled answer takes the item off the queue; an unconfirmed, refused or withdrawn one stays until the queue says otherwise.
    const settled = outcome.status !== 'refused' && outcome.status !== 'unconfirmed' && outcome.status !== 'withdrawn';
    if (settled && this.#following?.profile.name === profile.name) {
      this.#following.queue.removeLocally(st.approvalId);
    }
    await ops.appendAudit(
      this.#ctx,
      profile,
      {
        kind: 'decision',
        summary: `${st.decision === 'approve' ? 'Approved' : 'Denied'} ${st.approvalId} (${st.actionHash.slice(0, 19)}…): ${outcome.status}`,
        approvalId: st.approvalId,
        decision: st.decision,
        details: {
          ...(reviewed ? { action: actionOf(reviewed), shortCode: reviewed.shortCode } : {}),
          actionHash: st.actionHash,
          receiptId: st.receiptId,
          ...(st.reason === undefined ? {} : { reason: st.reason }),
          decidedAt: st.decidedAt,
          approverKeyId: st.approverKeyId,
          signature: cosignature.signature,
          outcome: outcome.status,
          outcomeMessage: outcome.message,
        },
      },
      keys?.signer(),
    );
    return outcome;
  }

  /** Re-sends decisions signed before a crash or restart. */
  async #resumeOutbox(profile: StoredProfile): Promise<void> {
    const outbox = outboxOf(this.#ctx, profile.name);
    const { cosignatures, damaged } = await outbox.list();
    for (const problem of damaged) this.#ctx.logger.error(problem);
    for (const cosignature of cosignatures) {
      const id = cosignature.statement.approvalId;
      if (this.#deliveries.has(id)) continue;
      this.#ctx.logger.info('re-sending a decision signed earlier', { approvalId: id });
      await this.#send(profile, outbox, cosignature).catch((err: unknown) =>
        this.#ctx.logger.error('re-sending failed', { error: (err as Error).message }),
      );
    }
  }

  /* ------------------------------------------------------------------ history and events */

  async history(profileName?: string): Promise<HistoryView> {
    const profile = await this.resolveProfile(profileName);
    const log = auditLogOf(this.#ctx, profile);
    const keys = new Map(profile.keys.map((k) => [k.keyId, k.publicKey]));
    const [entries, verification] = await Promise.all([log.entries(), log.verify(keys)]);
    return { entries, verification };
  }

  async ruleFor(approvalId: string, profileName?: string): Promise<RuleView> {
    const profile = await this.resolveProfile(profileName);
    const item = await this.fetchItem(approvalId, profile.name);
    if (!item) throw new InputError(`Approval ${approvalId} is not pending for profile ${profile.name}.`);
    return ruleViewOf(item, profile.teamId, await clientFor(this.#ctx, profile));
  }

  /** Where a profile's audit log lives (for `verify-log` output). */
  async auditLogPath(profileName?: string): Promise<string> {
    const profile = await this.resolveProfile(profileName);
    return join(auditLogOf(this.#ctx, profile).path);
  }

  on<K extends keyof EngineEvents>(event: K, listener: (payload: EngineEvents[K]) => void): () => void {
    this.#listeners[event].add(listener);
    return () => {
      this.#listeners[event].delete(listener);
    };
  }

  #emit<K extends keyof EngineEvents>(event: K, payload: EngineEvents[K]): void {
    for (const listener of this.#listeners[event]) {
      try {
        listener(payload);
      } catch (err) {
        this.#ctx.logger.error('event listener threw', { event, error: (err as Error).message });
      }
    }
  }
}
