/**
 * ControlPlaneClient: the one HTTP client for the HESO control plane, used by the operator
 * SDK, the approver engine and the CLIs. Every response is validated with the shared wire
 * schemas before it is returned; every failure is a `ControlPlaneError` with a `kind`.
 * The control plane is trusted for availability, not integrity: an answer about another
 * approval or another team than the one asked for is refused (`wrong_answer`), never returned.
 *
 * No retries here: callers own their retry policy (backoff, Retry-After, giving up).
 */
import type { z } from 'zod';
import {
  Approval,
  ApprovalChangesResponse,
  type EnrolApproverRequest,
  ErrorBody,
  ListApprovalsResponse,
  ListApproversResponse,
  type ListReceiptsFilter,
  ListReceiptsResponse,
  MAX_WAIT_SECONDS,
  type OpenApprovalRequest,
  PushReceiptsResponse,
  routes,
  SettledApprovalsResponse,
  StoredReceipt,
  WhoamiResponse,
} from '../core/api.ts';
import {
  ApiKeyText,
  ApproverRecord,
  type Cosignature,
  endpointProblem,
  PolicyBundle,
  type Receipt,
} from '../core/schemas.ts';
import { ControlPlaneError, kindForStatus, parseRetryAfter } from './errors.ts';

export { ControlPlaneError, type ControlPlaneErrorInit, type ControlPlaneErrorKind } from './errors.ts';

export interface ControlPlaneClientOptions {
  /** Base URL of the control plane, e.g. `http://127.0.0.1:8787` (a path prefix is kept). */
  endpoint: string;
  /** The team API key (`heso_…`). Sent only in the Authorization header, never logged or echoed. */
  apiKey: string;
  /** Injected fetch (tests capture requests with it). Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Per-request timeout in ms, on top of any long-poll wait. Default 30 000. */
  timeoutMs?: number;
}

export interface GetApprovalOptions {
  /** Long-poll: hold the request up to this many seconds (≤ 30) until the approval is decided or expired. */
  waitSeconds?: number;
  signal?: AbortSignal;
}

export interface ListPendingOptions {
  /** The cursor from the previous response; with `waitSeconds`, returns as soon as the queue changed after it. */
  cursor?: string;
  waitSeconds?: number;
  /** Most approvals to return (1–500, server default 100). */
  limit?: number;
  /** The last approval id of the previous page: the next page of the queue. */
  after?: string;
  signal?: AbortSignal;
}

export interface ListSettledOptions {
  /** The cursor from the previous response; none: answers at once with the starting cursor. */
  cursor?: string;
  /** Long-poll: hold the request up to this many seconds (≤ 30) until one of this key's approvals settles. */
  waitSeconds?: number;
  limit?: number;
  signal?: AbortSignal;
}

export interface ListReceiptsOptions extends ListReceiptsFilter {
  /** `nextCursor` of the previous page. */
  cursor?: string;
  /** Page size, 1–500 (server default 100). */
  limit?: number;
  signal?: AbortSignal;
}

interface RequestSpec<S extends z.ZodType> {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  schema: S;
  waitSeconds?: number;
  signal?: AbortSignal;
}

/** Per-request timeout (on top of any long-poll wait) when the caller gives none. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface ApprovalChangesOptions {
  /** The cursor from the previous list or changes response. */
  since: string;
  waitSeconds?: number;
  /** 1–500 changes per response (server default 100). */
  limit?: number;
  signal?: AbortSignal;
}

export class ControlPlaneClient {
  readonly endpoint: string;
  readonly #apiKey: string;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;

  constructor(opts: ControlPlaneClientOptions) {
    const problem = endpointProblem(String(opts.endpoint));
    if (problem !== null) throw new TypeError(`control plane endpoint: ${problem}`);
    const url = new URL(opts.endpoint);
    const apiKey = ApiKeyText.safeParse(opts.apiKey);
    if (!apiKey.success) throw new TypeError(`API key ${apiKey.error.issues[0]?.message ?? 'is not valid'}`);
    this.endpoint = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    this.#apiKey = opts.apiKey;
    this.#fetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  getPolicy(team: string): Promise<PolicyBundle> {
    return this.#request({ method: 'GET', path: routes.policy(team), schema: PolicyBundle });
  }

  /** Pushes receipts (one request; ≤ 100 per call). Per-item results say accepted, duplicate or refused. */
  pushReceipts(team: string, receipts: Receipt[], opts: { signal?: AbortSignal } = {}): Promise<PushReceiptsResponse> {
    const body = receipts.length === 1 ? { receipt: receipts[0] } : { receipts };
    return this.#request({
      method: 'POST',
      path: routes.receipts(team),
      body,
      schema: PushReceiptsResponse,
      signal: opts.signal,
    });
  }

  /**
   * One stored receipt. Refuses an answer about another receipt or team (a control plane is
   * never trusted for integrity); the signatures are for the caller to verify.
   */
  async getReceipt(team: string, receiptId: string): Promise<StoredReceipt> {
    const what = `GET ${routes.receipt(team, receiptId)}`;
    const stored = await this.#request({ method: 'GET', path: routes.receipt(team, receiptId), schema: StoredReceipt });
    const st = stored.receipt.statement;
    if (st.receiptId !== receiptId || st.teamId !== team)
      throw wrongAnswer(
        what,
        `receipt "${st.receiptId}" of team "${st.teamId}"`,
        `receipt "${receiptId}" of team "${team}"`,
      );
    return stored;
  }

  /** One page of the team's receipts; refuses a page holding receipts that do not match what was asked. */
  async listReceipts(team: string, opts: ListReceiptsOptions = {}): Promise<ListReceiptsResponse> {
    const { signal, ...query } = opts;
    const path = routes.receipts(team);
    const page = await this.#request({ method: 'GET', path, query, schema: ListReceiptsResponse, signal });
    for (const { receipt } of page.receipts) {
      const mismatch = receiptFilterMismatch(receipt, team, opts);
      if (mismatch)
        throw wrongAnswer(
          `GET ${path}`,
          `receipt "${receipt.statement.receiptId}", which ${mismatch}`,
          'receipts matching the filter',
        );
    }
    return page;
  }

  /** Opens an approval for a suspended receipt; opening the same receipt again returns the existing approval. */
  async openApproval(team: string, req: OpenApprovalRequest): Promise<Approval> {
    const approval = await this.#request({ method: 'POST', path: routes.approvals(team), body: req, schema: Approval });
    const receiptId = req.receipt.statement.receiptId;
    if (approval.receipt.statement.receiptId !== receiptId) {
      throw wrongAnswer(
        `POST ${routes.approvals(team)}`,
        `an approval for receipt "${approval.receipt.statement.receiptId}"`,
        `receipt "${receiptId}"`,
      );
    }
    return checkApproval(`POST ${routes.approvals(team)}`, approval, team, approval.id);
  }

  async getApproval(team: string, id: string, opts: GetApprovalOptions = {}): Promise<Approval> {
    const waitSeconds = clampWait(opts.waitSeconds);
    const approval = await this.#request({
      method: 'GET',
      path: routes.approval(team, id),
      query: { wait: waitSeconds },
      schema: Approval,
      waitSeconds,
      signal: opts.signal,
    });
    return checkApproval(`GET ${routes.approval(team, id)}`, approval, team, id);
  }

  async listPending(team: string, opts: ListPendingOptions = {}): Promise<ListApprovalsResponse> {
    const waitSeconds = clampWait(opts.waitSeconds);
    const res = await this.#request({
      method: 'GET',
      path: routes.approvals(team),
      query: { status: 'pending', cursor: opts.cursor, wait: waitSeconds, limit: opts.limit, after: opts.after },
      schema: ListApprovalsResponse,
      waitSeconds,
      signal: opts.signal,
    });
    for (const approval of res.approvals) checkApproval(`GET ${routes.approvals(team)}`, approval, team, approval.id);
    return res;
  }

  /** Approvals opened with this API key that were decided or expired after `cursor` (one long-poll for all of them). */
  listSettled(team: string, opts: ListSettledOptions = {}): Promise<SettledApprovalsResponse> {
    const waitSeconds = clampWait(opts.waitSeconds);
    return this.#request({
      method: 'GET',
      path: routes.settled(team),
      query: { cursor: opts.cursor, wait: opts.cursor === undefined ? undefined : waitSeconds, limit: opts.limit },
      schema: SettledApprovalsResponse,
      waitSeconds,
      signal: opts.signal,
    });
  }

  /**
   * The approvers' changes feed: what changed in the team's queue after cursor `since` (from a
   * list or changes response). With `waitSeconds`, held until something changes.
   */
  async approvalChanges(team: string, opts: ApprovalChangesOptions): Promise<ApprovalChangesResponse> {
    const waitSeconds = clampWait(opts.waitSeconds);
    const res = await this.#request({
      method: 'GET',
      path: routes.approvalChanges(team),
      query: { since: opts.since, wait: waitSeconds, limit: opts.limit },
      schema: ApprovalChangesResponse,
      waitSeconds,
      signal: opts.signal,
    });
    // Like the list: an answer carrying another team's approval is refused whole.
    for (const approval of res.changes)
      checkApproval(`GET ${routes.approvalChanges(team)}`, approval, team, approval.id);
    return res;
  }

  /** This API key's team, key id and role (operator, approver, admin or legacy). */
  whoami(team: string): Promise<WhoamiResponse> {
    return this.#request({ method: 'GET', path: routes.whoami(team), schema: WhoamiResponse });
  }

  /** Sends a co-signed decision. 409 already_decided, 410 expired, 422 bad_signature, 403 key not active. */
  async decide(team: string, approvalId: string, cosignature: Cosignature): Promise<Approval> {
    const approval = await this.#request({
      method: 'POST',
      path: routes.decision(team, approvalId),
      body: cosignature,
      schema: Approval,
    });
    return checkApproval(`POST ${routes.decision(team, approvalId)}`, approval, team, approvalId);
  }

  /** Enrols an approver public key; it stays `pending` until an admin activates it. */
  enrolApprover(team: string, req: EnrolApproverRequest): Promise<ApproverRecord> {
    return this.#request({ method: 'POST', path: routes.approvers(team), body: req, schema: ApproverRecord });
  }

  getApprover(team: string, keyId: string): Promise<ApproverRecord> {
    return this.#request({ method: 'GET', path: routes.approver(team, keyId), schema: ApproverRecord });
  }

  async listApprovers(team: string): Promise<ApproverRecord[]> {
    const res = await this.#request({ method: 'GET', path: routes.approvers(team), schema: ListApproversResponse });
    return res.approvers;
  }

  /** Revokes an approver key (an API key may reduce trust, never grant it). */
  revokeApprover(team: string, keyId: string): Promise<ApproverRecord> {
    return this.#request({
      method: 'POST',
      path: routes.approverRevoke(team, keyId),
      body: {},
      schema: ApproverRecord,
    });
  }

  async #request<S extends z.ZodType>(spec: RequestSpec<S>): Promise<z.infer<S>> {
    const url = new URL(this.endpoint + spec.path);
    for (const [name, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const what = `${spec.method} ${url.pathname}`;
    const timeoutMs = this.#timeoutMs + (spec.waitSeconds ?? 0) * 1000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = spec.signal ? AbortSignal.any([spec.signal, timeout]) : timeout;
    const headers: Record<string, string> = { authorization: `Bearer ${this.#apiKey}`, accept: 'application/json' };
    if (spec.body !== undefined) headers['content-type'] = 'application/json';

    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(url, {
        method: spec.method,
        headers,
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        signal,
      });
      text = await response.text();
    } catch (cause) {
      throw networkError(what, cause, spec.signal, timeout, timeoutMs);
    }

    const json = parseJson(text);
    if (!response.ok) throw httpError(what, response, json);
    if (json === undefined)
      throw new ControlPlaneError({
        kind: 'bad_response',
        status: response.status,
        message: `${what}: the server answered ${response.status} with a body that is not JSON`,
      });
    const parsed = spec.schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
      throw new ControlPlaneError({
        kind: 'bad_response',
        status: response.status,
        message: `${what}: the server's response does not match the API${where}: ${issue?.message ?? 'invalid'}`,
      });
    }
    return parsed.data;
  }
}

/** Why a listed receipt is not one the filter asked for, or null when it is. */
export function receiptFilterMismatch(receipt: Receipt, team: string, filter: ListReceiptsFilter): string | null {
  const st = receipt.statement;
  const issued = Date.parse(st.issuedAt);
  if (st.teamId !== team) return `belongs to team ${st.teamId}, not ${team}`;
  if (filter.since !== undefined && issued < Date.parse(filter.since)) return `was issued before ${filter.since}`;
  if (filter.until !== undefined && issued >= Date.parse(filter.until)) return `was issued at or after ${filter.until}`;
  if (filter.verdict !== undefined && st.verdict !== filter.verdict) return `has verdict ${st.verdict}`;
  if (filter.tool !== undefined && st.action.tool !== filter.tool) return `is for tool ${st.action.tool}`;
  if (filter.workflow !== undefined && st.action.workflow !== filter.workflow)
    return `is from workflow ${st.action.workflow}`;
  return null;
}

/** `approval` if it is the one asked for (id) and belongs to the team asked for (approval and receipt). */
function checkApproval(what: string, approval: Approval, team: string, id: string): Approval {
  if (approval.id !== id) throw wrongAnswer(what, `approval "${approval.id}"`, `approval "${id}"`);
  if (approval.teamId !== team || approval.receipt.statement.teamId !== team) {
    const other = approval.teamId !== team ? approval.teamId : approval.receipt.statement.teamId;
    throw wrongAnswer(what, `approval "${approval.id}" of team "${other}"`, `team "${team}"`);
  }
  return approval;
}

function wrongAnswer(what: string, got: string, asked: string): ControlPlaneError {
  return new ControlPlaneError({
    kind: 'wrong_answer',
    // Ids and team ids passed the wire schema (a restricted character set): safe to name as they are.
    message: `${what}: the control plane answered with ${got} when asked for ${asked}; refused (nothing was signed). The control plane, or something between you and it, is misbehaving: tell your team admin.`,
  });
}

function clampWait(waitSeconds: number | undefined): number | undefined {
  if (waitSeconds === undefined || !Number.isFinite(waitSeconds) || waitSeconds <= 0) return undefined;
  return Math.min(MAX_WAIT_SECONDS, Math.floor(waitSeconds));
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function httpError(what: string, response: Response, json: unknown): ControlPlaneError {
  const body = ErrorBody.safeParse(json);
  const code = body.success ? body.data.error.code : undefined;
  const serverMessage = body.success ? body.data.error.message : response.statusText || 'no error details';
  const retryAfterSeconds = parseRetryAfter(response.headers.get('retry-after'));
  const kind = kindForStatus(response.status, code);
  const retry =
    kind === 'rate_limited' && retryAfterSeconds !== undefined ? ` (retry after ${retryAfterSeconds} s)` : '';
  return new ControlPlaneError({
    kind,
    status: response.status,
    code,
    field: body.success ? body.data.error.field : undefined,
    retryAfterSeconds,
    message: `${what}: ${response.status}${code ? ` ${code}` : ''}: ${serverMessage}${retry}`,
  });
}

function networkError(
  what: string,
  cause: unknown,
  callerSignal: AbortSignal | undefined,
  timeout: AbortSignal,
  timeoutMs: number,
): ControlPlaneError {
  if (callerSignal?.aborted)
    return new ControlPlaneError({ kind: 'network', aborted: true, message: `${what}: aborted by the caller`, cause });
  if (timeout.aborted)
    return new ControlPlaneError({ kind: 'network', message: `${what}: no response within ${timeoutMs} ms`, cause });
  const detail = describeCause(cause);
  return new ControlPlaneError({
    kind: 'network',
    message: `${what}: could not reach the control plane (${detail}); check the endpoint and your connection`,
    cause,
  });
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = (cause as Error & { cause?: unknown }).cause;
    const code = inner && typeof inner === 'object' && 'code' in inner ? String(inner.code) : undefined;
    return code ?? cause.message;
  }
  return String(cause);
}
