import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { routes } from '../../src/core/api.ts';
import { LIMITS } from '../../src/core/schemas.ts';
import { type CloudHandle, setupTeam, startCloud } from '../support/cloud.ts';
import { cosign, dbSnapshot, makeApprover, makeReceipt, raw } from './helpers.ts';

describe('control plane: every bad input gets a specific 4xx JSON error and changes nothing', () => {
  let cloud: CloudHandle;
  let teamId: string;
  let apiKey: string;
  let approvalId: string;
  let approval: Record<string, unknown>;
  const alice = makeApprover();

  before(async () => {
    cloud = await startCloud();
    ({ teamId, apiKey } = await setupTeam(cloud));
    await raw(cloud, 'POST', routes.approvers(teamId), { apiKey, body: { publicKey: alice.publicKey, name: 'Alice' } });
    await cloud.admin.activateApprover(teamId, alice.keyId);
    const opened = await raw(cloud, 'POST', routes.approvals(teamId), {
      apiKey,
      body: { receipt: makeReceipt(teamId) },
    });
    approval = opened.json;
    approvalId = opened.json.id;
  });
  after(() => cloud.stop());

  interface Case {
    name: string;
    method: string;
    path: () => string;
    body?: () => unknown;
    rawBody?: string;
    headers?: Record<string, string>;
    status: number;
    code: string;
    field?: string | RegExp;
  }

  const receipt = () => makeReceipt(teamId);
  const withBadB64 = () => {
    const r = makeReceipt(teamId);
    return { receipt: { ...r, signature: `${r.signature.slice(0, -2)}+/` } };
  };
  const cases: Case[] = [
    {
      name: 'malformed JSON',
      method: 'POST',
      path: () => routes.approvals(teamId),
      rawBody: '{"receipt": ',
      status: 400,
      code: 'bad_request',
    },
    {
      name: 'JSON that is not an object',
      method: 'POST',
      path: () => routes.approvals(teamId),
      rawBody: '[1,2]',
      status: 400,
      code: 'bad_request',
    },
    {
      name: 'empty JSON body',
      method: 'POST',
      path: () => routes.approvals(teamId),
      rawBody: '',
      status: 400,
      code: 'bad_request',
    },
    { name: 'no body at all', method: 'POST', path: () => routes.approvers(teamId), status: 400, code: 'bad_request' },
    {
      name: 'not JSON content type',
      method: 'POST',
      path: () => routes.approvals(teamId),
      rawBody: 'hello',
      headers: { 'content-type': 'text/plain' },
      status: 415,
      code: 'bad_request',
    },
    {
      name: 'prototype poisoning',
      method: 'POST',
      path: () => routes.approvers(teamId),
      rawBody: '{"__proto__":{"x":1},"publicKey":"a","name":"b"}',
      status: 400,
      code: 'bad_request',
    },
    {
      name: 'wrong type (expiresInSeconds as string)',
      method: 'POST',
      path: () => routes.approvals(teamId),
      body: () => ({ receipt: receipt(), expiresInSeconds: '60' }),
      status: 400,
      code: 'bad_request',
      field: 'expiresInSeconds',
    },
    {
      name: 'expiry out of range',
      method: 'POST',
      path: () => routes.approvals(teamId),
      body: () => ({ receipt: receipt(), expiresInSeconds: 1 }),
      status: 400,
      code: 'bad_request',
      field: 'expiresInSeconds',
    },
    {
      name: 'unknown top-level field',
      method: 'POST',
      path: () => routes.approvals(teamId),
      body: () => ({ receipt: receipt(), extra: 1 }),
      status: 400,
      code: 'bad_request',
      field: 'extra',
    },
    {
      name: 'unknown nested field',
      method: 'POST',
      path: () => routes.approvals(teamId),
      body: () => {
        const r = receipt();
        return { receipt: { ...r, statement: { ...r.statement, sneaky: true } } };
      },
      status: 400,
      code: 'bad_request',
      field: 'receipt.statement.sneaky',
    },
    {
      name: 'bad base64 in a signature',
      method: 'POST',
      path: () => routes.approvals(teamId),
      body: withBadB64,
      status: 400,
      code: 'bad_request',
      field: 'receipt.signature',
    },
    {
      name: 'bad base64 in a public key',
      method: 'POST',
      path: () => routes.approvers(teamId),
      body: () => ({ publicKey: '***', name: 'x' }),
      status: 400,
      code: 'bad_request',
      field: 'publicKey',
    },
    {
      name: 'non-canonical base64 public key',
      method: 'POST',
      path: () => routes.approvers(teamId),
      body: () => ({
        publicKey: `${alice.publicKey.slice(0, 42)}${alice.publicKey.endsWith('B') ? 'C' : 'B'}`,
        name: 'x',
      }),
      status: 400,
      code: 'bad_request',
      field: 'publicKey',
    },
    {
      name: 'empty approver name',
      method: 'POST',
      path: () => routes.approvers(teamId),
      body: () => ({ publicKey: makeApprover().publicKey, name: '' }),
      status: 400,
      code: 'bad_request',
      field: 'name',
    },
    {
      name: 'empty receipt batch',
      method: 'POST',
      path: () => routes.receipts(teamId),
      body: () => ({ receipts: [] }),
      status: 400,
      code: 'bad_request',
    },
    {
      name: 'batch over the limit',
      method: 'POST',
      path: () => routes.receipts(teamId),
      body: () => ({
        receipts: Array.from({ length: LIMITS.receiptBatch + 1 }, () => makeReceipt(teamId, { verdict: 'allow' })),
      }),
      status: 400,
      code: 'bad_request',
    },
    {
      name: 'oversized body',
      method: 'POST',
      path: () => routes.receipts(teamId),
      rawBody: JSON.stringify({ pad: 'x'.repeat(LIMITS.requestBytes + 10) }),
      status: 413,
      code: 'too_large',
    },
    {
      name: 'decision with a wrong type',
      method: 'POST',
      path: () => routes.decision(teamId, approvalId),
      body: () => ({ ...cosign(approval as never, alice), signature: 42 }),
      status: 400,
      code: 'bad_request',
      field: 'signature',
    },
    {
      name: 'decision with an unknown decision value',
      method: 'POST',
      path: () => routes.decision(teamId, approvalId),
      body: () => {
        const c = cosign(approval as never, alice);
        return { ...c, statement: { ...c.statement, decision: 'maybe' } };
      },
      status: 400,
      code: 'bad_request',
      field: 'statement.decision',
    },
    {
      name: 'decision for an unknown approval',
      method: 'POST',
      path: () => routes.decision(teamId, 'apr_nope'),
      body: () => cosign(approval as never, alice),
      status: 404,
      code: 'not_found',
    },
    {
      name: 'poll an unknown approval',
      method: 'GET',
      path: () => routes.approval(teamId, 'apr_nope'),
      status: 404,
      code: 'not_found',
    },
    {
      name: 'approval id with bad characters',
      method: 'GET',
      path: () => `${routes.approvals(teamId)}/a%20b`,
      status: 400,
      code: 'bad_request',
    },
    {
      name: 'wait beyond 30 s',
      method: 'GET',
      path: () => `${routes.approval(teamId, approvalId)}?wait=31`,
      status: 400,
      code: 'bad_request',
      field: 'wait',
    },
    {
      name: 'wait not a number',
      method: 'GET',
      path: () => `${routes.approvals(teamId)}?wait=soon&cursor=1`,
      status: 400,
      code: 'bad_request',
      field: 'query.wait',
    },
    {
      name: 'approval id that is not valid percent-encoding',
      method: 'GET',
      path: () => `${routes.approvals(teamId)}/%ff`,
      status: 400,
      code: 'bad_request',
    },
    {
      name: 'path segment longer than the router accepts',
      method: 'GET',
      path: () => `${routes.approvals(teamId)}/${'a'.repeat(300)}`,
      status: 414,
      code: 'bad_request',
    },
    {
      name: 'unknown status filter',
      method: 'GET',
      path: () => `${routes.approvals(teamId)}?status=approved`,
      status: 400,
      code: 'bad_request',
      field: 'query.status',
    },
    {
      name: 'bad cursor',
      method: 'GET',
      path: () => `${routes.approvals(teamId)}?cursor=abc`,
      status: 400,
      code: 'bad_request',
      field: 'query.cursor',
    },
    {
      name: 'unknown query parameter',
      method: 'GET',
      path: () => `${routes.approvals(teamId)}?colour=red`,
      status: 400,
      code: 'bad_request',
      field: 'query.colour',
    },
    {
      name: 'unknown approver key id',
      method: 'GET',
      path: () => routes.approver(teamId, '0'.repeat(32)),
      status: 404,
      code: 'not_found',
    },
    {
      name: 'malformed approver key id',
      method: 'GET',
      path: () => routes.approver(teamId, 'xyz'),
      status: 400,
      code: 'bad_request',
    },
    {
      name: 'revoke with unexpected body fields',
      method: 'POST',
      path: () => routes.approverRevoke(teamId, alice.keyId),
      body: () => ({ force: true }),
      status: 400,
      code: 'bad_request',
    },
    { name: 'unknown route', method: 'GET', path: () => '/v1/nothing-here', status: 404, code: 'not_found' },
    { name: 'wrong method', method: 'DELETE', path: () => routes.policy(teamId), status: 404, code: 'not_found' },
  ];

  for (const c of cases) {
    test(c.name, async () => {
      const before = dbSnapshot(cloud.dbPath);
      const res = await raw(cloud, c.method, c.path(), {
        apiKey,
        body: c.body?.(),
        rawBody: c.rawBody,
        headers: c.headers,
      });
      assert.equal(res.status, c.status, res.text.slice(0, 300));
      assert.deepEqual(Object.keys(res.json), ['error']);
      assert.equal(res.json.error.code, c.code);
      assert.equal(typeof res.json.error.message, 'string');
      assert.ok(res.json.error.message.length > 5);
      if (typeof c.field === 'string') assert.equal(res.json.error.field, c.field, res.json.error.message);
      assert.equal(dbSnapshot(cloud.dbPath), before, 'no state changed');
    });
  }

  // Errors Node's HTTP parser raises before Fastify routes anything still use the API's error shape.
  for (const c of [
    { name: 'a request line that is not HTTP', request: 'GARBAGE\r\n\r\n', status: 400, code: 'bad_request' },
    {
      name: 'request headers over the size limit',
      request: `GET /v1/openapi.json HTTP/1.1\r\nhost: x\r\nx-pad: ${'a'.repeat(20_000)}\r\n\r\n`,
      status: 431,
      code: 'too_large',
    },
  ]) {
    test(c.name, async () => {
      const { port } = new URL(cloud.url);
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1');
        let text = '';
        socket.on('data', (chunk) => {
          text += chunk.toString('utf8');
        });
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
        socket.write(c.request);
      });
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      assert.match(head, new RegExp(`^HTTP/1\\.1 ${c.status} `), answer.slice(0, 300));
      const json = JSON.parse(body);
      assert.deepEqual(Object.keys(json), ['error']);
      assert.equal(json.error.code, c.code);
      assert.ok(json.error.message.length > 5);
    });
  }

  test('after all of that the approval is still pending and decidable', async () => {
    const res = await raw(cloud, 'POST', routes.decision(teamId, approvalId), {
      apiKey,
      body: cosign(approval as never, alice),
    });
    assert.equal(res.status, 200);
    assert.equal(res.json.status, 'approved');
  });
});
