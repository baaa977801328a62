/**
 * Turning a decision into a co-signature the control plane accepts, exactly once.
 *
 * The signed co-signature is written to a small outbox file before the first send and
 * re-sent unchanged on every retry (and after a restart), so a decision is idempotent:
 * a 409 whose stored co-signature is ours counts as accepted. Transient failures
 * (network, 5xx, 429) are retried with backoff until the approval expires; everything
 * else ends with a clear outcome.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ControlPlaneError, type ControlPlaneErrorKind, isTransientKind } from '../client/errors.ts';
import type { ControlPlaneClient } from '../client/index.ts';
import type { Approval } from '../core/api.ts';
import { canonicalize } from '../core/canonical.ts';
import { nodeVerify } from '../core/ed25519-node.ts';
import { type Cosignature, Cosignature as CosignatureSchema, type Decision } from '../core/schemas.ts';
import { buildCosignature } from '../core/statements.ts';
import { writeFileDurableAsync } from '../sdk/fsutil.ts';
import { readStoredAsync } from '../sdk/stored-file.ts';
import type { DecisionOutcome } from './api.ts';
import { ConfigError } from './errors.ts';
import { quorumViewOf } from './quorum-view.ts';
import { backoffDelay, type Clock, type Logger, type Random, type Sleep } from './runtime.ts';

/**
 * Signs a decision with core's `buildCosignature`, which re-checks the receipt before an
 * approve (defence in depth on top of local verification) and still lets a quarantined
 * approval be denied: refusing something can never make it run.
 */
export function signDecision(
  approval: Approval,
  decision: Decision,
  reason: string | undefined,
  decidedAt: string,
  secretKey: Uint8Array,
): Cosignature {
  return buildCosignature({ approval, decision, reason, decidedAt, verify: nodeVerify }, secretKey);
}

function damagedDecisionMessage(file: string, problem: string): string {
  return `${file} (a decision signed on this device, waiting to be sent) is ${problem}, so it was not sent. It was left as it is: move it out of that folder to decide this approval again.`;
}

/** Signed decisions not yet settled with the control plane, one JSON file per approval. Public material only. */
export class DecisionOutbox {
  constructor(readonly dir: string) {}

  #file(approvalId: string): string {
    return join(this.dir, `${approvalId}.json`);
  }

  /**
   * The decision signed earlier for `approvalId`, or null. A file that is not a co-signature
   * throws, naming it; it is left in place, so nothing signed is lost.
   */
  async get(approvalId: string): Promise<Cosignature | null> {
    const file = this.#file(approvalId);
    const read = await readStoredAsync(file, CosignatureSchema);
    if (read.kind === 'missing') return null;
    if (read.kind === 'damaged') throw new ConfigError(damagedDecisionMessage(file, read.problem));
    return read.value;
  }

  async put(cosignature: Cosignature): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFileDurableAsync(this.#file(cosignature.statement.approvalId), `${JSON.stringify(cosignature)}\n`);
  }

  async remove(approvalId: string): Promise<void> {
    await rm(this.#file(approvalId), { force: true });
  }

  /** Every signed decision waiting here, and the files that could not be read back (left in place). */
  async list(): Promise<{ cosignatures: Cosignature[]; damaged: string[] }> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return { cosignatures: [], damaged: [] };
    }
    const cosignatures: Cosignature[] = [];
    const damaged: string[] = [];
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      const file = join(this.dir, name);
      const read = await readStoredAsync(file, CosignatureSchema);
      if (read.kind === 'ok') cosignatures.push(read.value);
      else if (read.kind === 'damaged') damaged.push(damagedDecisionMessage(file, read.problem));
    }
    return { cosignatures, damaged };
  }
}

/**
 * A signed decision on its way to the control plane, as seen by whoever may withdraw it.
 * Between attempts (offline, backing off) it can be withdrawn: the loop stops before the next
 * send. While a request is on the wire it cannot: the control plane may be accepting it.
 */
export class PendingSend {
  readonly #abort = new AbortController();
  #sending = false;
  /** A failed earlier attempt may still have reached the control plane (network drop, 5xx, garbled answer). */
  mayHaveArrived = false;

  get withdrawn(): boolean {
    return this.#abort.signal.aborted;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** True when withdrawn now (no further send happens); false when a send is in progress. */
  withdraw(): boolean {
    if (this.#sending) return false;
    this.#abort.abort();
    return true;
  }

  async sending<T>(send: () => Promise<T>): Promise<T> {
    this.#sending = true;
    try {
      return await send();
    } finally {
      this.#sending = false;
    }
  }
}

export interface SubmitOptions {
  client: Pick<ControlPlaneClient, 'decide' | 'getApproval'>;
  teamId: string;
  clock: Clock;
  random: Random;
  sleep: Sleep;
  logger: Logger;
  /** Fingerprint of the signing key, for the "not active yet" message. */
  fingerprint: string;
  /** Lets the decision be withdrawn between attempts. */
  pending?: PendingSend;
  /** Called once, when the first attempt failed transiently: the decision now waits for the network. */
  onQueued?: () => void;
}

/** Sends the same signed co-signature until the control plane settles it or the approval expires. */
export async function submitDecision(cosignature: Cosignature, opts: SubmitOptions): Promise<DecisionOutcome> {
  const { client, teamId, clock, random, sleep, logger } = opts;
  const pending = opts.pending ?? new PendingSend();
  const st = cosignature.statement;
  const expiresAtMs = Date.parse(st.expiresAt);
  let failures = 0;
  let queued = false;
  for (;;) {
    if (pending.withdrawn) return withdrawnOutcome(pending);
    if (clock() >= expiresAtMs) {
      return {
        status: 'expired',
        message: `The approval expired at ${st.expiresAt} before the control plane confirmed your decision. The agent will not run the action.`,
        approval: null,
      };
    }
    try {
      const approval = await pending.sending(() => client.decide(teamId, st.approvalId, cosignature));
      // A 200 is not proof: the answer itself must record this very decision.
      const problem = unrecordedReason(approval, cosignature);
      if (problem) {
        logger.warn('decision answer does not record the decision', { approvalId: st.approvalId, problem });
        return {
          status: 'unconfirmed',
          message: unconfirmedMessage(st.decision, `the control plane answered "OK" but ${problem}`),
          approval,
        };
      }
      return { status: 'accepted', message: acceptedMessage(st.decision, approval), approval };
    } catch (err) {
      if (!(err instanceof ControlPlaneError)) throw err;
      logger.warn('decision submit failed', { approvalId: st.approvalId, kind: err.kind, status: err.status });
      const outcome = await settle(err, cosignature, opts);
      if (outcome) return outcome;
      pending.mayHaveArrived ||= err.kind !== 'rate_limited';
      if (!queued) opts.onQueued?.();
      queued = true;
      const delayMs =
        err.kind === 'rate_limited'
          ? (err.retryAfterSeconds ?? 5) * 1000
          : backoffDelay(failures++, random, 500, 15_000);
      await sleep(Math.min(delayMs, Math.max(0, expiresAtMs - clock())), pending.signal);
    }
  }
}

function withdrawnOutcome(pending: PendingSend): DecisionOutcome {
  return {
    status: 'withdrawn',
    message: pending.mayHaveArrived
      ? 'Withdrawn: this device will not send your signed decision again. An earlier attempt failed mid-way and may still have reached the control plane; the queue shows whether the approval is still pending.'
      : 'Withdrawn: your signed decision was never delivered and will not be sent. The approval is still pending; you can decide again.',
    approval: null,
  };
}

/** What a decision signed but not yet delivered reports while it waits for the network. */
export function queuedOutcome(expiresAt: string): DecisionOutcome {
  return {
    status: 'queued',
    message: `Signed, waiting to send: the control plane cannot be reached right now. This device keeps trying until the approval expires (${expiresAt}); you can withdraw the decision until it is sent.`,
    approval: null,
  };
}

/** Why `answer` does not record `cosignature` as the decision of this approval; null when it does. */
export function unrecordedReason(answer: Approval, cosignature: Cosignature): string | null {
  const st = cosignature.statement;
  const expected = st.decision === 'approve' ? 'approved' : 'denied';
  if (answer.id !== st.approvalId) return `its answer is about approval "${answer.id}", not "${st.approvalId}"`;
  if (answer.teamId !== st.teamId) return `its answer is about team "${answer.teamId}", not "${st.teamId}"`;
  if (answer.receipt.statement.quorum) return unrecordedInQuorum(answer, cosignature, expected);
  if (answer.status !== expected) return `its answer says the approval is "${answer.status}", not "${expected}"`;
  const held = answer.cosignature;
  if (!held) return 'its answer carries no co-signature';
  if (held.statement.approverKeyId !== st.approverKeyId) {
    return `its answer carries the co-signature of approver key ${held.statement.approverKeyId}, not yours (${st.approverKeyId})`;
  }
  if (held.signature !== cosignature.signature || canonicalize(held.statement) !== canonicalize(st)) {
    return 'its answer carries another co-signature than the one you signed';
  }
  return null;
}

/** A quorum approval records each decision: ours must be among them, and the approval open or closed our way. */
function unrecordedInQuorum(
  answer: Approval,
  cosignature: Cosignature,
  expected: 'approved' | 'denied',
): string | null {
  const ours = canonicalize(cosignature);
  if (!(answer.decisions ?? []).some((d) => canonicalize(d.cosignature) === ours))
    return 'its answer does not list your co-signature among the decisions';
  if (answer.status !== 'pending' && answer.status !== expected)
    return `its answer says the approval is "${answer.status}", not "${expected}" or still pending`;
  return null;
}

function unconfirmedMessage(decision: Decision, detail: string): string {
  return decision === 'approve'
    ? `Not confirmed: ${detail}. Your approval was signed and sent, but do not assume the agent may run: it runs only if the control plane really holds your co-signature. Check the approval again later, and tell your team admin the control plane misbehaved.`
    : `Not confirmed: ${detail}. Your denial was signed and sent; the agent never runs without an approval, but tell your team admin the control plane misbehaved.`;
}

function acceptedMessage(decision: Decision, approval?: Approval | null): string {
  const view = approval ? quorumViewOf(approval) : null;
  if (view && !view.progress.met && !view.progress.vetoed)
    return decision === 'approve'
      ? `Approved: your co-signature is counted (${view.progress.approvals} of ${view.progress.required}, ${view.waitingFor}); the agent runs once the quorum is met.`
      : 'Denied: your decision is recorded; it does not veto this approval, which waits for its quorum.';
  if (view?.progress.met) return 'Approved: your co-signature met the quorum; the agent may now run the action.';
  return decision === 'approve'
    ? 'Approved: the control plane accepted your co-signature; the agent may now run the action.'
    : 'Denied: the control plane accepted your decision; the agent will not run the action.';
}

/** Final outcome for an error, or null when the error is transient and the send should be retried. */
async function settle(
  err: ControlPlaneError,
  cosignature: Cosignature,
  opts: SubmitOptions,
): Promise<DecisionOutcome | null> {
  const st = cosignature.statement;
  switch (err.kind) {
    // The kinds resendLater names (the switch lists them so a new kind cannot go unhandled).
    case 'network':
    case 'server':
    case 'rate_limited':
    case 'bad_response':
      return null;
    case 'already_decided': {
      let approval: Approval | null = null;
      try {
        approval = await opts.client.getApproval(opts.teamId, st.approvalId);
      } catch (lookupErr) {
        // Cannot tell whose decision it was right now; retrying the send will get 409 again.
        if (lookupErr instanceof ControlPlaneError && resendLater(lookupErr.kind)) return null;
      }
      if (approval && unrecordedReason(approval, cosignature) === null) {
        return { status: 'accepted', message: acceptedMessage(st.decision, approval), approval };
      }
      const by = approval?.cosignature ? ` by approver key ${approval.cosignature.statement.approverKeyId}` : '';
      const what = approval ? approval.status : 'decided';
      return {
        status: 'already_decided',
        message: `This approval was already ${what}${by} before your decision arrived; nothing more to do.`,
        approval,
      };
    }
    case 'expired':
      return {
        status: 'expired',
        message: `The approval expired at ${st.expiresAt}; the control plane no longer takes decisions for it.`,
        approval: null,
      };
    case 'forbidden':
      if (/you requested this action/.test(err.message))
        return { status: 'refused', message: `Refused: ${err.message}.`, approval: null };
      return {
        status: 'refused',
        message: `Refused: your approver key is not active for team "${opts.teamId}". Ask your team admin to activate the key with fingerprint ${opts.fingerprint} (compare it out of band), then try again.`,
        approval: null,
      };
    case 'auth':
      return {
        status: 'refused',
        message:
          'Refused: API key rejected (401). Ask your team admin for a new API key and run `heso-approver init` again.',
        approval: null,
      };
    case 'not_found':
      return {
        status: 'refused',
        message: `Refused: the control plane has no approval "${st.approvalId}" for team "${opts.teamId}".`,
        approval: null,
      };
    case 'bad_signature':
    case 'bad_request':
    case 'conflict':
    case 'too_large':
      return { status: 'refused', message: `Refused by the control plane: ${err.message}`, approval: null };
    case 'wrong_answer':
      return { status: 'unconfirmed', message: unconfirmedMessage(st.decision, err.message), approval: null };
    default: {
      const never: never = err.kind;
      return never;
    }
  }
}

/**
 * A signed decision is sent again after a transient failure and also after an answer that
 * is not what the API promises (a proxy's error page): the decision is already signed, so
 * trying again until the approval expires costs nothing and may still land it.
 */
function resendLater(kind: ControlPlaneErrorKind): boolean {
  return isTransientKind(kind) || kind === 'bad_response';
}
