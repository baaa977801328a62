/**
 * Signed decisions on their way to the control plane, one sender per approval.
 *
 * Offline, a decision is signed and stored at once but delivered later. The person must be
 * told so ("signed, waiting to send", the `queued` outcome) and must be able to take it back
 * before it is sent: `withdraw` stops the sender between attempts. While a request is on the
 * wire it cannot be withdrawn (the control plane may be accepting it), and the answer says so.
 */
import type { DecisionOutcome, WithdrawOutcome } from './api.ts';
import { PendingSend, queuedOutcome, type SubmitOptions } from './decisions.ts';

/** Runs one delivery with the given withdraw handle and queued callback; resolves with the settled outcome. */
export type Deliver = (delivery: Required<Pick<SubmitOptions, 'pending' | 'onQueued'>>) => Promise<DecisionOutcome>;

interface RunningSend {
  pending: PendingSend;
  settled: Promise<DecisionOutcome>;
  /** Resolves once the first attempt failed transiently: the decision waits for the network. */
  queued: Promise<void>;
}

export class Deliveries {
  readonly #running = new Map<string, RunningSend>();

  /** `onSettled` hears every delivery's final outcome (the app shows it for a decision it reported as queued). */
  constructor(private readonly onSettled: (approvalId: string, outcome: DecisionOutcome) => void) {}

  has(approvalId: string): boolean {
    return this.#running.has(approvalId);
  }

  /**
   * Delivers with `deliver`, or joins the delivery already running for this approval (never two
   * senders). With `returnWhenQueued`, answers `queued` as soon as the decision waits for the network.
   */
  send(approvalId: string, expiresAt: string, deliver: Deliver, returnWhenQueued = false): Promise<DecisionOutcome> {
    const running = this.#running.get(approvalId) ?? this.#start(approvalId, deliver);
    if (!returnWhenQueued) return running.settled;
    const queued = queuedOutcome(expiresAt);
    return Promise.race([running.settled, running.queued.then(() => queued)]);
  }

  async withdraw(approvalId: string): Promise<WithdrawOutcome> {
    const running = this.#running.get(approvalId);
    if (!running) {
      return {
        withdrawn: false,
        message:
          'Nothing to withdraw: no signed decision for this approval is waiting to be sent on this device (it was delivered or settled already).',
      };
    }
    if (!running.pending.withdraw()) {
      return {
        withdrawn: false,
        message:
          'Cannot withdraw: your decision is being sent to the control plane right now and may be accepted. Its result shows in a moment.',
      };
    }
    const outcome = await running.settled;
    return { withdrawn: outcome.status === 'withdrawn', message: outcome.message };
  }

  #start(approvalId: string, deliver: Deliver): RunningSend {
    const pending = new PendingSend();
    let markQueued = () => {};
    const queued = new Promise<void>((resolve) => {
      markQueued = resolve;
    });
    const settled = deliver({ pending, onQueued: markQueued }).finally(() => this.#running.delete(approvalId));
    settled.then(
      (outcome) => this.onSettled(approvalId, outcome),
      () => {},
    );
    const running: RunningSend = { pending, settled, queued };
    this.#running.set(approvalId, running);
    return running;
  }
}
