/** `GET /v1/openapi.json`: the API described from the same zod schemas the server validates with. */
import { z } from 'zod';
import {
  Approval,
  ApprovalChangesResponse,
  DecideRequest,
  EnrolApproverRequest,
  ErrorBody,
  ListApprovalsResponse,
  ListApproversResponse,
  ListReceiptsResponse,
  OpenApprovalRequest,
  PushReceiptsRequest,
  PushReceiptsResponse,
  SettledApprovalsResponse,
  StoredReceipt,
  WhoamiResponse,
} from '../core/api.ts';
import { ApproverRecord, PolicyBundle } from '../core/schemas.ts';
import { ruleFor } from './route-roles.ts';

interface Operation {
  method: 'get' | 'post';
  path: string;
  summary: string;
  request?: z.ZodType;
  /** status → response schema; error statuses use ErrorBody. */
  responses: Record<number, z.ZodType | null>;
  query?: { name: string; description: string; schema: object; required?: boolean }[];
}

const team = { name: 'team', in: 'path', required: true, schema: { type: 'string' } };
const wait = {
  name: 'wait',
  description: 'long-poll: hold the request up to N seconds (≤ 30)',
  schema: { type: 'integer', minimum: 0, maximum: 30 },
};

const cursor = { name: 'cursor', description: 'cursor from the previous response', schema: { type: 'string' } };

const operations: Operation[] = [
  {
    method: 'get',
    path: '/v1/teams/{team}/whoami',
    summary: 'This API key: its team, key id and role (any role)',
    responses: { 200: WhoamiResponse },
  },
  {
    method: 'get',
    path: '/v1/teams/{team}/approvals/settled',
    summary:
      'Approvals opened with this key that were decided or expired after cursor; with wait, held until one is. Without cursor: the starting cursor',
    query: [
      cursor,
      wait,
      { name: 'limit', description: '1–500, default 100', schema: { type: 'integer', minimum: 1, maximum: 500 } },
    ],
    responses: { 200: SettledApprovalsResponse, 400: null },
  },
  {
    method: 'get',
    path: '/v1/teams/{team}/policy',
    summary: 'The team policy bundle (approvers are a hint, never a trust root)',
    responses: { 200: PolicyBundle, 404: null },
  },
  {
    method: 'post',
    path: '/v1/teams/{team}/receipts',
    summary: 'Push one receipt or a batch; each is re-verified; per-item results',
    request: PushReceiptsRequest,
    responses: { 200: PushReceiptsResponse, 400: null, 413: null },
  },
  {
    method: 'get',
    path: '/v1/teams/{team}/receipts',
    summary:
      "The team's receipts as signed, oldest first (issuedAt, then id), filtered and paginated; " +
      'format=jsonl streams every match as JSON Lines (application/x-ndjson, one receipt per line)',
    query: [
      { name: 'since', description: 'issuedAt at or after this RFC 3339 UTC time', schema: { type: 'string' } },
      { name: 'until', description: 'issuedAt before this RFC 3339 UTC time', schema: { type: 'string' } },
      {
        name: 'verdict',
        description: 'the verdict the operator signed',
        schema: { type: 'string', enum: ['allow', 'block', 'suspend'] },
      },
      { name: 'tool', description: 'action tool, exact', schema: { type: 'string' } },
      { name: 'workflow', description: 'action workflow, exact', schema: { type: 'string' } },
      { name: 'limit', description: '1–500, default 100 (JSON pages only)', schema: { type: 'integer' } },
      { name: 'cursor', description: 'nextCursor from the previous page', schema: { type: 'string' } },
      {
        name: 'format',
        description: '`json` (default) or `jsonl`',
        schema: { type: 'string', enum: ['json', 'jsonl'] },
      },
    ],
    responses: { 200: ListReceiptsResponse, 400: null },
  },
  {
    method: 'get',
    path: '/v1/teams/{team}/receipts/{id}',
    summary: 'One receipt exactly as signed (with its co-signature once pushed); verify it yourself',
    responses: { 200: StoredReceipt, 404: null },
  },
  {
    method: 'post',
    path: '/v1/teams/{team}/approvals',
    summary: 'Open an approval for an operator-signed suspend receipt (idempotent per receipt)',
    request: OpenApprovalRequest,
    responses: { 201: Approval, 200: Approval, 400: null, 409: null, 422: null },
  },
  {
    method: 'get',
    path: '/v1/teams/{team}/approvals',
    summary: 'The pending queue, oldest first; with cursor and wait, held until the queue changes',
    query: [
      { name: 'status', description: 'only `pending`', schema: { type: 'string', enum: ['pending'] } },
      cursor,
      wait,
      { name: 'limit', description: '1–500, default 100', schema: { type: 'integer', minimum: 1, maximum: 500 } },
      {
        name: 'after',
        description: 'the last approval id of the previous page: the next page of the queue',
        schema: { type: 'string' },
      },
    ],
    responses: { 200: ListApprovalsResponse, 400: null },
  },
  {
    method: 'get',
    path: '/v1/teams/{team}/approvals/changes',
    summary:
      "The approvers' changes feed: each approval whose queue state changed after `since`, once, in its current state; with wait, held until something changes",
    query: [
      {
        name: 'since',
        description: 'a cursor from a list or changes response',
        required: true,
        schema: { type: 'string', pattern: '^[0-9]{1,15}$' },
      },
      wait,
      { name: 'limit', description: '1–500, default 100', schema: { type: 'integer', minimum: 1, maximum: 500 } },
    ],
    responses: { 200: ApprovalChangesResponse, 400: null },
  },
  {
    method: 'get',
    path: '/v1/teams/{team}/approvals/{id}',
    summary: 'Poll one approval; with wait, held until decided or expired',
    query: [wait],
    responses: { 200: Approval, 404: null },
  },
  {
    method: 'post',
    path: '/v1/teams/{team}/approvals/{id}/decision',
    summary: 'A co-signed decision; verified, first valid one wins',
    request: DecideRequest,
    responses: { 200: Approval, 403: null, 404: null, 409: null, 410: null, 422: null },
  },
  {
    method: 'post',
    path: '/v1/teams/{team}/approvers',
    summary: 'Enrol an approver public key (pending until an admin activates it)',
    request: EnrolApproverRequest,
    responses: { 201: ApproverRecord, 200: ApproverRecord, 422: null },
  },
  {
    method: 'get',
    path: '/v1/teams/{team}/approvers',
    summary: 'List enrolled approver keys',
    responses: { 200: ListApproversResponse },
  },
  {
    method: 'get',
    path: '/v1/teams/{team}/approvers/{keyId}',
    summary: 'One approver key and its status',
    responses: { 200: ApproverRecord, 404: null },
  },
  {
    method: 'post',
    path: '/v1/teams/{team}/approvers/{keyId}/revoke',
    summary: 'Revoke an approver key (reduces trust only)',
    responses: { 200: ApproverRecord, 404: null },
  },
];

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { unrepresentable: 'any', io, target: 'openapi-3.0' });

function pathParams(path: string) {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) =>
    m[1] === 'team' ? team : { name: m[1], in: 'path', required: true, schema: { type: 'string' } },
  );
}

let cached: object | null = null;

export function openApiDocument(): object {
  if (cached) return cached;
  const paths: Record<string, Record<string, object>> = {};
  const common = { 401: null, 403: null, 429: null, 500: null };
  for (const op of operations) {
    const rule = ruleFor(op.method.toUpperCase(), op.path.replace(/\{(\w+)\}/g, ':$1'));
    if (!rule) throw new Error(`OpenAPI operation ${op.method} ${op.path} has no role in route-roles.ts`);
    const responses: Record<string, object> = {};
    for (const [status, schema] of Object.entries({ ...op.responses, ...common })) {
      const body = schema ?? ErrorBody;
      responses[status] = {
        description: schema ? 'OK' : 'error',
        content: { 'application/json': { schema: jsonSchema(body, 'output') } },
      };
    }
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      summary: op.summary,
      description: `API key role: ${rule.role === 'any' ? 'any' : `${rule.role} (or admin)`}`,
      'x-heso-role': rule.role,
      security: [{ bearer: [] }],
      parameters: [
        ...pathParams(op.path),
        ...(op.query ?? []).map((q) => ({ ...q, in: 'query', required: q.required ?? false })),
      ],
      ...(op.request
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: jsonSchema(op.request, 'input') } },
            },
          }
        : {}),
      responses,
    };
  }
  paths['/v1/openapi.json'] = {
    get: { summary: 'This document (no API key needed)', responses: { 200: { description: 'OpenAPI 3 document' } } },
  };
  cached = {
    openapi: '3.0.3',
    info: {
      title: 'HESO control plane',
      version: '1',
      description: 'Errors are always { "error": { "code", "message", "field"? } }.',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Team API key heso_<keyId>_<secret>' },
      },
    },
    paths,
  };
  return cached;
}
