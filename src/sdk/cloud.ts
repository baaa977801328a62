/**
 * Cloud calls with the Bearer API key: pull the policy, push receipts, open and poll
 * approvals. `configure(apiKey, endpoint)` sets the default connection used by the plain
 * functions; `createCloud` makes independent ones (several teams, tests).
 *
 * Every call is idempotent on the server (receipts by receiptId, approvals by receipt), so
 * transient failures (network, 5xx, 429) are retried with backoff and jitter, waiting what
 * `Retry-After` asks. The API key lives in a private field and is scrubbed from every message.
 */
import { Agent, fetch as undiciFetch } from 'undici';
import { ControlPlaneClient, ControlPlaneError, DEFAULT_REQUEST_TIMEOUT_MS } from '../client/index.ts';
import { type Approval, MAX_WAIT_SECONDS, type ReceiptResult, type WhoamiResponse } from '../core/api.ts';
import { sleep } from '../core/backoff.ts';
import { redactSecrets } from '../core/redact.ts';
import { LIMITS, type PolicyBundle, type Receipt } from '../core/schemas.ts';
import { fromControlPlaneError, HesoCloudError, HesoError, isTransient } from './errors.ts';
import { type BackoffOptions, backoffDelay } from './retry.ts';
import { ApprovalWatcher, type WatchOptions } from './watch.ts';

export interface CloudOptions {
  /** Injected fetch (tests serve crafted responses with it). */
  fetch?: typeof fetch;
  /** Attempts per call for transient failures (network, 5xx, 429). Default 3; 1 = no retry. */
  attempts?: number;
  /** Longest single wait between attempts, in ms (also caps Retry-After). Default 30 000. */
  maxRetryDelayMs?: number;
  /** Per-request timeout in ms on top of any long-poll wait. Default 30 000. */
  requestTimeoutMs?: number;
  backoff?: BackoffOptions;
}

export interface PollOptions {
  /** Overall time to wait for a decision, in ms. Default 15 minutes. */
  timeoutMs?: number;
  /** Stop waiting early (resolves with the last state seen). */
  signal?: AbortSignal;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
}

export interface OpenApprovalOptions {
  /** Seconds until the approval expires (10 s – 7 days). Server default 900. */
  expiresInSeconds?: number;
}

/** How long a call may wait for its turn on the connection, on top of its own timeout. */
const QUEUE_ALLOWANCE_MS = 10 * 60_000;

/**
 * A fetch over its own connection of one socket. Calls beyond it queue instead of opening
 * more sockets, so a burst of a thousand calls never floods the control plane. The request
 * timeout runs from when a request is sent (undici's headers/body timeouts), not while it
 * waits its turn.
 */
function pooledFetch(timeoutMs: number): typeof fetch {
  const dispatcher = new Agent({ connections: 1, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  // undici's fetch is the one Node's global fetch is built on; only the declared types differ.
  return ((input, init) => undiciFetch(input as never, { ...init, dispatcher } as never)) as typeof fetch;
}

export class HesoCloud {
  readonly endpoint: string;
  /** Calls that answer at once (policy, receipts, opening approvals): one connection, queued. */
  readonly #client: ControlPlaneClient;
  /** The one long-poll on all of this connection's open approvals: its own connection. */
  readonly #watchClient: ControlPlaneClient;
  /** `pollApproval` on a single id: one request per call, as many as the caller makes. */
  readonly #pollClient: ControlPlaneClient;
  readonly #secrets: string[];
  readonly #attempts: number;
  readonly #backoff: BackoffOptions;
  readonly #watcher: ApprovalWatcher;

  constructor(apiKey: string, endpoint: string, opts: CloudOptions = {}) {
    if (typeof apiKey !== 'string' || apiKey.trim() === '')
      throw new HesoError('not_configured', 'no API key given: pass the team API key to configure(apiKey, endpoint)');
    const timeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const client = (fetchImpl: typeof fetch | undefined, queued: boolean) =>
      new ControlPlaneClient({
        apiKey,
        endpoint,
        ...(fetchImpl ? { fetch: fetchImpl } : {}),
        timeoutMs: queued && !opts.fetch ? timeoutMs + QUEUE_ALLOWANCE_MS : timeoutMs,
      });
    try {
      this.#pollClient = client(opts.fetch, false);
      this.#client = client(opts.fetch ?? pooledFetch(timeoutMs), true);
      this.#watchClient = client(opts.fetch ?? pooledFetch(timeoutMs + MAX_WAIT_SECONDS * 1000), true);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new HesoError('not_configured', redactSecrets(message, [apiKey]));
    }
    this.endpoint = this.#client.endpoint;
    this.#secrets = [apiKey];
    this.#attempts = Math.max(1, opts.attempts ?? 3);
    this.#backoff = { maxMs: opts.maxRetryDelayMs ?? 30_000, ...opts.backoff };
    this.#watcher = new ApprovalWatcher(
      {
        settled: (teamId, o) => this.#call((c) => c.listSettled(teamId, o), 1, this.#watchClient),
        current: (teamId, approvalId) => this.getApproval(teamId, approvalId),
      },
      this.#backoff,
    );
  }

  /** Runs one client call, mapping errors to typed SDK errors and retrying transient ones. */
  async #call<T>(
    fn: (client: ControlPlaneClient) => Promise<T>,
    attempts = this.#attempts,
    client = this.#client,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn(client);
      } catch (raw) {
        const err = this.toSdkError(raw);
        if (!isTransient(err) || attempt + 1 >= attempts) throw err;
        await sleep(Math.min(backoffDelay(attempt, err, this.#backoff), this.#backoff.maxMs ?? 30_000));
      }
    }
  }

  /** Any error as an SDK error with the key scrubbed. */
  toSdkError(raw: unknown): HesoError {
    if (raw instanceof HesoError) return raw;
    if (raw instanceof ControlPlaneError) return fromControlPlaneError(raw, this.#secrets);
    const message = raw instanceof Error ? raw.message : String(raw);
    return new HesoCloudError('network', redactSecrets(`control plane call failed: ${message}`, this.#secrets));
  }

  pullPolicy(teamId: string): Promise<PolicyBundle> {
    return this.#call((c) => c.getPolicy(teamId));
  }

  async pushReceipt(teamId: string, receipt: Receipt): Promise<ReceiptResult> {
    const [result] = await this.pushReceipts(teamId, [receipt]);
    return result!;
  }

  /** Pushes in batches of 100. Results per receipt: accepted, duplicate (already stored) or refused (with reason). */
  async pushReceipts(
    teamId: string,
    receipts: readonly Receipt[],
    opts: { attempts?: number; signal?: AbortSignal } = {},
  ): Promise<ReceiptResult[]> {
    const results: ReceiptResult[] = [];
    const signal = opts.signal ? { signal: opts.signal } : {};
    for (let i = 0; i < receipts.length; i += LIMITS.receiptBatch) {
      const batch = receipts.slice(i, i + LIMITS.receiptBatch);
      const res = await this.#call((c) => c.pushReceipts(teamId, batch, signal), opts.attempts);
      results.push(...res.results);
    }
    return results;
  }

  /** Opens an approval for an operator-signed `suspend` receipt (opening the same receipt again returns the same approval). */
  openApproval(teamId: string, receipt: Receipt, opts: OpenApprovalOptions = {}): Promise<Approval> {
    const req =
      opts.expiresInSeconds === undefined ? { receipt } : { receipt, expiresInSeconds: opts.expiresInSeconds };
    return this.#call((c) => c.openApproval(teamId, req));
  }

  /** The approval's current state, with no waiting. */
  getApproval(teamId: string, approvalId: string): Promise<Approval> {
    return this.#call((c) => c.getApproval(teamId, approvalId));
  }

  /**
   * Long-polls until the approval is decided or expired, or `timeoutMs` passes (then the
   * last state seen is returned, still `pending`). Transient failures are retried for as
   * long as the timeout allows; auth and not-found errors are thrown at once.
   *
   * The result is the server's word only: the guard verifies the co-signature itself.
   */
  async pollApproval(teamId: string, approvalId: string, opts: PollOptions = {}): Promise<Approval> {
    const now = opts.now ?? Date.now;
    const deadline = now() + (opts.timeoutMs ?? 15 * 60_000);
    let last: Approval | undefined;
    let failures = 0;
    for (;;) {
      const remainingMs = deadline - now();
      const waitSeconds = Math.max(0, Math.min(30, Math.floor(remainingMs / 1000)));
      try {
        last = await this.#pollClient.getApproval(teamId, approvalId, {
          ...(waitSeconds > 0 ? { waitSeconds } : {}),
          ...(opts.signal ? { signal: opts.signal } : {}),
        });
        failures = 0;
        if (last.status !== 'pending') return last;
      } catch (raw) {
        const err = this.toSdkError(raw);
        if (opts.signal?.aborted && last) return last;
        if (!isTransient(err) || now() >= deadline) throw err;
        const delay = backoffDelay(failures++, err, this.#backoff);
        if (now() + delay >= deadline) throw err;
        await sleep(delay, opts.signal);
        continue;
      }
      if (now() >= deadline || opts.signal?.aborted) return last;
    }
  }

  /**
   * Call before opening approvals you will wait on with `waitForDecision`: from then on no
   * decision can be missed. One quick request the first time per team, nothing afterwards.
   */
  prepareToWait(teamId: string): Promise<void> {
    return this.#watcher.prime(teamId);
  }

  /**
   * Waits for the approval's decision or expiry, sharing ONE long-poll with every other
   * approval this connection waits on (`GET …/approvals/settled`). After `timeoutMs` (or when
   * `signal` aborts) it resolves with the current state, perhaps still `pending`.
   * The result is the server's word only: the guard verifies the co-signature itself.
   */
  waitForDecision(teamId: string, approvalId: string, opts: WatchOptions): Promise<Approval> {
    return this.#watcher.wait(teamId, approvalId, opts);
  }

  /** This API key's role (operator, approver, admin or legacy), team and key id. */
  whoami(teamId: string): Promise<WhoamiResponse> {
    return this.#call((c) => c.whoami(teamId));
  }
}

let defaultCloud: HesoCloud | null = null;

/**
 * Set the connection every plain cloud function uses. Call once at startup with values the
 * caller read from its own configuration (the SDK reads no environment variables).
 */
export function configure(apiKey: string, endpoint: string, opts: CloudOptions = {}): HesoCloud {
  defaultCloud = new HesoCloud(apiKey, endpoint, opts);
  return defaultCloud;
}

/** An independent connection (several teams or endpoints in one process). */
export function createCloud(apiKey: string, endpoint: string, opts: CloudOptions = {}): HesoCloud {
  return new HesoCloud(apiKey, endpoint, opts);
}

/** The connection `configure` set; throws a clear error when there is none. */
export function configuredCloud(): HesoCloud {
  if (!defaultCloud)
    throw new HesoError('not_configured', 'the HESO SDK is not configured: call configure(apiKey, endpoint) first');
  return defaultCloud;
}

/* The plain functions are async so that even "not configured" arrives as a rejection. */
export const pullPolicy = async (teamId: string) => configuredCloud().pullPolicy(teamId);
export const pushReceipt = async (teamId: string, receipt: Receipt) => configuredCloud().pushReceipt(teamId, receipt);
export const pushReceipts = async (teamId: string, receipts: readonly Receipt[]) =>
  configuredCloud().pushReceipts(teamId, receipts);
export const openApproval = async (teamId: string, receipt: Receipt, opts?: OpenApprovalOptions) =>
  configuredCloud().openApproval(teamId, receipt, opts);
export const pollApproval = async (teamId: string, approvalId: string, opts?: PollOptions) =>
  configuredCloud().pollApproval(teamId, approvalId, opts);
