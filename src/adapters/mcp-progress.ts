/**
 * Progress for one `tools/call`, on the token the client sent (none sent: nothing is sent).
 * While HESO waits for an approver it ticks with a message naming the approval; once the call
 * is forwarded it relays the downstream server's own progress. Values only ever increase, as
 * the protocol requires, across both phases.
 */
import type { PendingApproval } from '../sdk/index.ts';

export type ProgressToken = string | number;
export interface ProgressParams {
  progressToken: ProgressToken;
  progress: number;
  total?: number;
  message?: string;
}

export class CallProgress {
  readonly #send: (params: ProgressParams) => Promise<void>;
  readonly #token: ProgressToken | undefined;
  readonly #intervalMs: number;
  #value = 0;
  /** Where the downstream's progress starts: past the last waiting tick (fixed at its first report). */
  #offset: number | null = null;
  #timer: NodeJS.Timeout | null = null;
  #lastSent: Promise<void> = Promise.resolve();

  constructor(send: (params: ProgressParams) => Promise<void>, token: ProgressToken | undefined, intervalMs: number) {
    this.#send = send;
    this.#token = token;
    this.#intervalMs = intervalMs;
  }

  #notify(progress: number, message?: string, total?: number): void {
    if (this.#token === undefined || progress <= this.#value) return;
    this.#value = progress;
    const params: ProgressParams = { progressToken: this.#token, progress, ...(message ? { message } : {}) };
    if (total !== undefined) params.total = total;
    // A client that went away cannot be told; the call's own result still decides.
    this.#lastSent = this.#send(params).catch(() => undefined);
  }

  /** Resolves once the last notification went out: the result must not overtake it. */
  flushed(): Promise<void> {
    return this.#lastSent;
  }

  /** Ticks until `stop`, each tick naming the approval the call waits on. */
  waiting(pending: PendingApproval): void {
    this.stop();
    const message = `waiting for a HESO approver: approval ${pending.approvalId}, code ${pending.shortCode}, expires ${pending.expiresAt}`;
    const tick = () => this.#notify(this.#value + 1, message);
    tick();
    this.#timer = setInterval(tick, this.#intervalMs);
    this.#timer.unref();
  }

  /** Relays the downstream server's progress, shifted past what the wait already reported. */
  downstream(progress: { progress: number; total?: number; message?: string }): void {
    this.#offset ??= this.#value;
    const total = progress.total === undefined ? undefined : this.#offset + progress.total;
    this.#notify(this.#offset + progress.progress, progress.message, total);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
