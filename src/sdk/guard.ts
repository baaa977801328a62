/**
 * The guard: wrap each agent action so it runs only when the policy allows it.
 *
 *   capture → evaluate → sign → outbox
 *   allow   → run the function
 *   block   → throw HesoBlockedError
 *   suspend → open an approval, show the short code, wait (one long-poll shared by every
 *             approval of the process, see watch.ts), then verify the returned
 *             co-signature HERE, against the locally pinned approver keys, our own receipt,
 *             the approval id and challenge we were issued, and the clock: the server's
 *             "approved" alone never runs anything.
 *
 * Observe-only mode records the same receipts and audit lines but always runs the function.
 */
import type { Approval } from '../core/api.ts';
import { shortCode } from '../core/crypto.ts';
import type {
  Action,
  ApproverRecord,
  PolicyBundle,
  PolicyDocument,
  Receipt,
  TrustSet,
  Verdict,
} from '../core/schemas.ts';
import { timestampOf } from '../core/validate.ts';
import { evaluate, PolicyError } from '../policy/index.ts';
import { type AnswerReason, judgeAnswer } from './approval-answer.ts';
import { AuditLog, type AuditOutcome } from './audit.ts';
import { configuredCloud, type HesoCloud } from './cloud.ts';
import { DEFAULT_DATA_DIR, loadOperatorKey, type OperatorKey } from './data-dir.ts';
import { HesoApprovalError, HesoBlockedError, HesoError } from './errors.ts';
import { type ActionInput, type Clock, capture, sign } from './local.ts';
import { Outbox, type OutboxEvent } from './outbox.ts';
import type { IssuedApproval } from './quorum.ts';
import { TrustStore } from './trust.ts';

export type GuardMode = 'enforce' | 'observe';

export interface GuardOptions {
  teamId: string;
  /** The operator data dir made by `heso init`. Default `.heso`. */
  dataDir?: string;
  /** Defaults stamped on every captured action that does not name its own. */
  account?: string;
  workflow?: string;
  /** The cloud connection; defaults to the one `configure` set. */
  cloud?: HesoCloud;
  /** A local policy to use instead of pulling the team policy from the control plane. */
  policy?: PolicyDocument | PolicyBundle;
  /** How long a pulled policy is reused, in ms. Default 60 000. */
  policyTtlMs?: number;
  /** `enforce` (default) or `observe` (record, never block). */
  mode?: GuardMode;
  clock?: Clock;
  /** Seconds until an opened approval expires. Default 900. */
  approvalExpiresInSeconds?: number;
  /** Longest time to wait for a decision, in ms. Default: until the approval expires. */
  approvalTimeoutMs?: number;
  /** Push receipts in the background (default true). Call `close()` when done. */
  autoPush?: boolean;
  /** How many signed receipts to keep in `<dataDir>/receipts/` after pushing (the newest; default 10 000, 0 none). */
  keepReceipts?: number;
  onEvent?: (event: GuardEvent) => void;
}

/** How a wait for a decision ended, as concluded here (not as the server reported it). */
export type DecidedOutcome = 'approved' | 'denied' | 'expired' | 'timeout' | 'cosignature_rejected';

export type GuardEvent =
  | { type: 'verdict'; action: Action; receiptId: string; verdict: Verdict; ruleId: string | null; mode: GuardMode }
  | { type: 'waiting'; approvalId: string; shortCode: string; expiresAt: string; action: Action }
  | {
      type: 'decided';
      approvalId: string;
      /** What the server reported. */
      serverStatus: Approval['status'];
      /** What we concluded after verifying the co-signature ourselves. */
      outcome: DecidedOutcome;
      approverKeyId: string | null;
      reasons: string[];
    }
  | { type: 'unpinned_approvers'; approvers: ApproverRecord[] }
  | { type: 'policy_unavailable'; error: HesoError; usingCachedVersion: string | null }
  | { type: 'outbox'; event: OutboxEvent };

/** Per-call waiting options for a suspended action (adapters that must answer before a client times out). */
export interface WaitOptions {
  /** Longest time this call waits for a decision, in ms (never past the approval's expiry). */
  timeoutMs?: number;
  /** Stop waiting early; the action is not run (reported like a timeout). */
  signal?: AbortSignal;
  /** Called once the approval is open (or resumed), before waiting. A throwing listener is ignored. */
  onWaiting?: (pending: PendingApproval) => void;
}

/**
 * An approval this guard opened and is (or was) waiting on: enough to resume the wait later
 * with `resume` and to check the answer against what the server issued when it was opened.
 */
export interface PendingApproval {
  approvalId: string;
  challenge: string;
  expiresAt: string;
  shortCode: string;
  /** Our own operator-signed `suspend` receipt: what the approver is asked to co-sign. */
  receipt: Receipt;
}

/** What the guarded function receives. */
export interface GuardContext {
  action: Action;
  /** The receipt that authorises the run: co-signed when the action was suspended and approved. */
  receipt: Receipt;
  verdict: Verdict;
  approvalId: string | null;
}

export class Guard {
  readonly teamId: string;
  readonly mode: GuardMode;
  readonly dataDir: string;
  readonly outbox: Outbox;
  readonly trust: TrustStore;
  readonly audit: AuditLog;
  readonly #opts: GuardOptions;
  readonly #key: OperatorKey;
  readonly #clock: Clock;
  #policy: { bundle: PolicyBundle | PolicyDocument; fetchedAt: number } | null = null;
  #reportedUnpinned = '';

  constructor(opts: GuardOptions) {
    this.teamId = opts.teamId;
    this.mode = opts.mode ?? 'enforce';
    this.dataDir = opts.dataDir ?? DEFAULT_DATA_DIR;
    this.#opts = opts;
    this.#clock = opts.clock ?? (() => new Date());
    this.#key = loadOperatorKey(this.dataDir);
    this.trust = new TrustStore(this.dataDir);
    this.audit = new AuditLog(this.dataDir);
    this.outbox = new Outbox(this.dataDir, {
      ...(opts.cloud ? { cloud: opts.cloud } : {}),
      onEvent: (event) => this.#emit({ type: 'outbox', event }),
      ...(opts.keepReceipts !== undefined ? { archive: { maxReceipts: opts.keepReceipts } } : {}),
    });
  }

  /** The operator's public identity (key id, fingerprint); never the secret. */
  get operator(): { publicKey: string; keyId: string; fingerprint: string } {
    return { publicKey: this.#key.publicKey, keyId: this.#key.keyId, fingerprint: this.#key.fingerprint };
  }

  #emit(event: GuardEvent): void {
    try {
      this.#opts.onEvent?.(event);
    } catch {
      // A broken listener must not change what the guard decides.
    }
  }

  #cloud(): HesoCloud {
    return this.#opts.cloud ?? configuredCloud();
  }

  /** The policy to evaluate with: the local one, or the team's (pulled, cached, stale copy on failure). */
  async policy(): Promise<PolicyBundle | PolicyDocument> {
    if (this.#opts.policy) return this.#opts.policy;
    const ttl = this.#opts.policyTtlMs ?? 60_000;
    if (this.#policy && Date.now() - this.#policy.fetchedAt < ttl) return this.#policy.bundle;
    try {
      const bundle = await this.#cloud().pullPolicy(this.teamId);
      this.#policy = { bundle, fetchedAt: Date.now() };
      this.#reportTrust(bundle);
      return bundle;
    } catch (err) {
      const error = err instanceof HesoError ? err : new HesoError('network', String(err));
      this.#emit({ type: 'policy_unavailable', error, usingCachedVersion: this.#policy?.bundle.version ?? null });
      if (this.#policy) return this.#policy.bundle;
      throw error;
    }
  }

  #reportTrust(bundle: PolicyBundle): void {
    const { unpinned } = this.trust.report(bundle);
    const signature = unpinned.map((a) => a.keyId).join(',');
    if (unpinned.length && signature !== this.#reportedUnpinned)
      this.#emit({ type: 'unpinned_approvers', approvers: unpinned });
    this.#reportedUnpinned = signature;
  }

  #record(
    outcome: AuditOutcome,
    receipt: Receipt,
    extra: { approvalId?: string; approverKeyId?: string; reasons?: string[] } = {},
  ) {
    const st = receipt.statement;
    this.audit.append({
      at: timestampOf(this.#clock()),
      outcome,
      receiptId: st.receiptId,
      actionHash: st.actionHash,
      tool: st.action.tool,
      account: st.action.account,
      workflow: st.action.workflow,
      verdict: st.verdict,
      policyVersion: st.policy.version,
      ruleId: st.policy.ruleId,
      ...(extra.approvalId ? { approvalId: extra.approvalId, shortCode: shortCode(st.actionHash) } : {}),
      ...(extra.approverKeyId ? { approverKeyId: extra.approverKeyId } : {}),
      ...(extra.reasons?.length ? { reasons: extra.reasons } : {}),
    });
  }

  /**
   * Decide whether the action may run, waiting for an approval when it is suspended.
   * Resolves with the authorising context; throws HesoBlockedError or HesoApprovalError otherwise.
   * In observe mode it always resolves.
   */
  async authorize(input: ActionInput, wait: WaitOptions = {}): Promise<GuardContext> {
    const action = capture(input, {
      ...(this.#opts.account ? { account: this.#opts.account } : {}),
      ...(this.#opts.workflow ? { workflow: this.#opts.workflow } : {}),
      clock: this.#clock,
    });
    let policy: PolicyBundle | PolicyDocument;
    try {
      policy = await this.policy();
    } catch (err) {
      if (this.mode === 'observe')
        throw new HesoError('policy', `observe mode cannot record without a policy: ${(err as Error).message}`);
      throw err;
    }
    let evaluation: ReturnType<typeof evaluate>;
    try {
      evaluation = evaluate(action, policy);
    } catch (err) {
      if (err instanceof PolicyError) throw new HesoError('policy', err.message);
      throw err;
    }
    const receipt = sign(action, evaluation, {
      teamId: this.teamId,
      secretKey: this.#key.secretKey,
      clock: this.#clock,
    });
    this.outbox.enqueue(receipt);
    if (this.#opts.autoPush !== false) this.outbox.start();
    const st = receipt.statement;
    this.#emit({
      type: 'verdict',
      action,
      receiptId: st.receiptId,
      verdict: st.verdict,
      ruleId: st.policy.ruleId,
      mode: this.mode,
    });

    if (this.mode === 'observe') {
      this.#record('observed', receipt);
      return { action, receipt, verdict: st.verdict, approvalId: null };
    }
    switch (st.verdict) {
      case 'allow':
        return { action, receipt, verdict: 'allow', approvalId: null };
      case 'block':
        this.#record('blocked', receipt);
        throw new HesoBlockedError(
          `blocked by policy ${st.policy.version}${st.policy.ruleId ? ` rule "${st.policy.ruleId}"` : ' (default verdict)'}: ${action.tool} was not run`,
          st.receiptId,
          st.policy.ruleId,
        );
      case 'suspend':
        return this.#openAndWait(action, receipt, wait);
      default: {
        const unreachable: never = st.verdict;
        throw new HesoError('policy', `unknown verdict ${String(unreachable)}`);
      }
    }
  }

  async #openAndWait(action: Action, receipt: Receipt, wait: WaitOptions): Promise<GuardContext> {
    // The shared long-poll's starting point is taken first, so no decision can fall before it.
    await this.#cloud().prepareToWait(this.teamId);
    const approval = await this.#cloud().openApproval(this.teamId, receipt, {
      expiresInSeconds: this.#opts.approvalExpiresInSeconds ?? 900,
    });
    const opened: PendingApproval = {
      approvalId: approval.id,
      challenge: approval.challenge,
      expiresAt: approval.expiresAt,
      shortCode: shortCode(receipt.statement.actionHash),
      receipt,
    };
    this.#record('approval_opened', receipt, { approvalId: opened.approvalId });
    return this.#awaitApproval(action, opened, wait);
  }

  /**
   * Wait again on an approval an earlier call opened and gave up waiting on (`approval_timeout`):
   * the same receipt and approval, never a new one. The answer is checked against the id,
   * challenge and expiry recorded when it was opened, so a swapped approval is refused.
   */
  async resume(pending: PendingApproval, wait: WaitOptions = {}): Promise<GuardContext> {
    const st = pending.receipt.statement;
    if (st.verdict !== 'suspend' || st.operatorKeyId !== this.#key.keyId || st.teamId !== this.teamId)
      throw new HesoError('invalid_action', 'resume takes a suspended receipt this guard signed for its own team');
    // Opened earlier: it may have settled before the shared long-poll's starting point, so look once now too.
    await this.#cloud().prepareToWait(this.teamId);
    return this.#awaitApproval(st.action, pending, { ...wait, lookNow: true });
  }

  async #awaitApproval(
    action: Action,
    opened: PendingApproval,
    wait: WaitOptions & { lookNow?: boolean },
  ): Promise<GuardContext> {
    this.#announceWaiting(action, opened, wait);
    const answer = await this.#cloud().waitForDecision(this.teamId, opened.approvalId, {
      timeoutMs: this.#waitTimeoutMs(opened, wait),
      ...(wait.signal ? { signal: wait.signal } : {}),
      ...(wait.lookNow ? { lookNow: true } : {}),
    });
    const ids = { approvalId: opened.approvalId, receiptId: opened.receipt.statement.receiptId };
    const named = `approval ${opened.approvalId} (code ${opened.shortCode})`;
    const conclude = (outcome: DecidedOutcome, reasons: AnswerReason[] = [], approverKeyId: string | null = null) =>
      this.#concludeWait(opened, answer.status, { outcome, reasons, approverKeyId });

    if (answer.status === 'pending') {
      conclude('timeout');
      throw new HesoApprovalError('approval_timeout', `no decision on ${named} in time; the action was not run`, ids);
    }
    if (answer.status === 'expired') {
      conclude('expired');
      throw new HesoApprovalError('expired', `${named} expired undecided; the action was not run`, ids);
    }
    const judged = judgeAnswer(answer, opened.receipt, issuedOf(opened), this.#trustSet(), this.#clock());
    switch (judged.outcome) {
      case 'approved':
        this.outbox.enqueue(judged.cosigned);
        conclude('approved', [], judged.approverKeyId);
        return { action, receipt: judged.cosigned, verdict: 'allow', approvalId: opened.approvalId };
      case 'denied': {
        this.outbox.enqueue(judged.cosigned);
        conclude('denied', [], judged.approverKeyId);
        const reason = judged.reason;
        throw new HesoApprovalError(
          'denied',
          `${named} was denied${reason ? `: ${reason}` : ''}; the action was not run`,
          ids,
          [],
          reason,
        );
      }
      case 'missing':
        conclude('cosignature_rejected', judged.reasons);
        throw new HesoApprovalError(
          'cosignature_rejected',
          `approval ${opened.approvalId} came back ${answer.status} without a co-signature; not run`,
          ids,
          judged.reasons,
        );
      case 'rejected':
        conclude('cosignature_rejected', judged.reasons, judged.approverKeyId);
        throw new HesoApprovalError(
          'cosignature_rejected',
          `the co-signature for approval ${opened.approvalId} did not verify here, so the action was not run: ${judged.reasons.map((r) => r.message).join('; ')}`,
          ids,
          judged.reasons,
        );
    }
  }

  /** Tells the listeners an approval is open and waited on; a throwing `onWaiting` is ignored. */
  #announceWaiting(action: Action, opened: PendingApproval, wait: WaitOptions): void {
    this.#emit({
      type: 'waiting',
      approvalId: opened.approvalId,
      shortCode: opened.shortCode,
      expiresAt: opened.expiresAt,
      action,
    });
    try {
      wait.onWaiting?.(opened);
    } catch {
      // A broken listener must not change what the guard decides.
    }
  }

  /** How long to wait: what the call or the guard asks, never past the approval's expiry (plus 2 s of slack). */
  #waitTimeoutMs(opened: PendingApproval, wait: WaitOptions): number {
    const untilExpiry = Date.parse(opened.expiresAt) - this.#clock().getTime() + 2_000;
    const wanted = wait.timeoutMs ?? this.#opts.approvalTimeoutMs ?? untilExpiry;
    return Math.max(0, Math.min(wanted, untilExpiry));
  }

  /** The approver keys an answer is checked against: the local pins, plus the pulled bundle's approvers. */
  #trustSet(): TrustSet {
    return this.trust.trustSet({
      operatorKeys: [this.#key.publicKey],
      bundle: this.#policy?.bundle && 'approvers' in this.#policy.bundle ? this.#policy.bundle : null,
    });
  }

  /** Reports how a wait ended: a `decided` event and an audit line. */
  #concludeWait(
    opened: PendingApproval,
    serverStatus: Approval['status'],
    how: { outcome: DecidedOutcome; reasons: AnswerReason[]; approverKeyId: string | null },
  ): void {
    const reasons = how.reasons.map((r) => `${r.code}: ${r.message}`);
    this.#emit({
      type: 'decided',
      approvalId: opened.approvalId,
      serverStatus,
      outcome: how.outcome,
      approverKeyId: how.approverKeyId,
      reasons,
    });
    this.#record(how.outcome, opened.receipt, {
      approvalId: opened.approvalId,
      ...(how.approverKeyId ? { approverKeyId: how.approverKeyId } : {}),
      reasons,
    });
  }

  /** Authorize, then run `fn` (always in observe mode). The audit log records how it went. */
  async run<T>(input: ActionInput, fn: (ctx: GuardContext) => Promise<T> | T, wait: WaitOptions = {}): Promise<T> {
    return this.runAuthorized(await this.authorize(input, wait), fn);
  }

  /** Run `fn` under a context `authorize` or `resume` returned; the audit log records how it went. */
  async runAuthorized<T>(ctx: GuardContext, fn: (ctx: GuardContext) => Promise<T> | T): Promise<T> {
    try {
      const value = await fn(ctx);
      if (this.mode === 'enforce')
        this.#record('ran', ctx.receipt, ctx.approvalId ? { approvalId: ctx.approvalId } : {});
      return value;
    } catch (err) {
      this.#record('failed', ctx.receipt, {
        ...(ctx.approvalId ? { approvalId: ctx.approvalId } : {}),
        reasons: [err instanceof Error ? err.name : 'error'],
      });
      throw err;
    }
  }

  /** Stop background pushing; pending receipts stay in the outbox for the next run. */
  async close(opts: { drainTimeoutMs?: number } = {}): Promise<void> {
    await this.outbox.stop();
    if (opts.drainTimeoutMs) await this.outbox.drain({ timeoutMs: opts.drainTimeoutMs }).catch(() => undefined);
  }
}

/** What the guard was issued when it opened the approval: the answer must be about exactly this. */
function issuedOf(opened: PendingApproval): IssuedApproval {
  return { approvalId: opened.approvalId, challenge: opened.challenge, expiresAt: opened.expiresAt };
}

export function createGuard(opts: GuardOptions): Guard {
  return new Guard(opts);
}
