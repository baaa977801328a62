/**
 * Inputs found by fuzzing and the protocol's edge rules, against a real server over real
 * HTTP: each gets a specific 4xx JSON answer naming the problem (never a 500, never
 * silence), and none changes stored state.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Approval, routes } from '../../src/core/api.ts';
import { attachCosignature } from '../../src/core/index.ts';
import type { CloudHandle } from '../support/cloud.ts';
import {
  type Approver,
  cosign,
  dbSnapshot,
  exchange,
  makeApprover,
  makeReceipt,
  raw,
  startApprovalWorld,
} from './helpers.ts';

describe('control plane: hostile and edge-case input', () => {
  let cloud: CloudHandle;
  let teamId: string;
  let apiKey: string;
  let approval: Approval;
  let alice: Approver;

  before(async () => {
    ({ cloud, teamId, apiKey, approval, alice } = await startApprovalWorld());
  });
  after(() => cloud.stop());

  async function expect400(path: string, rawBody: string, field: string | null, message: RegExp): Promise<void> {
    const before = dbSnapshot(cloud.dbPath);
    const res = await raw(cloud, 'POST', path, { apiKey, rawBody });
    assert.equal(res.status, 400, res.text.slice(0, 400));
    assert.equal(res.json.error.code, 'bad_request');
    assert.match(res.json.error.message, message);
    if (field !== null) assert.equal(res.json.error.field, field, res.json.error.message);
    assert.equal(dbSnapshot(cloud.dbPath), before, 'no state changed');
  }

  test('a co-signed receipt with a lone surrogate in the decision reason: 400 naming the field, not 500', async () => {
    const decided = cosign(approval, alice, 'approve', 'MARKER');
    await raw(cloud, 'POST', routes.decision(teamId, approval.id), { apiKey, body: decided });
    const receipt = attachCosignature(approval.receipt, decided);
    const text = JSON.stringify({ receipt }).replace('MARKER', '\\ud800');
    await expect400(routes.receipts(teamId), text, 'receipt.cosignature.statement.reason', /lone UTF-16 surrogate/);
  });

  test('a lone surrogate in an action summary or an approver name: 400 naming the field', async () => {
    const receipt = makeReceipt(teamId);
    const withSummary = JSON.stringify({
      receipt: {
        ...receipt,
        statement: { ...receipt.statement, action: { ...receipt.statement.action, summary: 'X' } },
      },
    }).replace('"summary":"X"', '"summary":"refund \\udc00"');
    await expect400(routes.receipts(teamId), withSummary, 'receipt.statement.action.summary', /lone UTF-16 surrogate/);
    const enrol = JSON.stringify({ publicKey: makeApprover().publicKey, name: 'Bob \\ud83d' }).replace('\\\\', '\\');
    await expect400(routes.approvers(teamId), enrol, 'name', /lone UTF-16 surrogate/);
  });

  test('__proto__ anywhere in a body: 400 that says why, not "not valid JSON"', async () => {
    const receipt = makeReceipt(teamId);
    const text = JSON.stringify({ receipt }).replace('"currency":', '"__proto__":{"admin":true},"currency":');
    await expect400(
      routes.receipts(teamId),
      text,
      'receipt.statement.action.params.__proto__',
      /member name "__proto__" is refused.*prototype pollution/,
    );
  });

  test('constructor as a params member name: 400 naming where', async () => {
    const receipt = makeReceipt(teamId);
    const text = JSON.stringify({ receipt }).replace('"currency":', '"constructor":1,"currency":');
    await expect400(
      routes.receipts(teamId),
      text,
      'receipt.statement.action.params',
      /params: constructor: the member name "constructor" is refused/,
    );
  });

  test('enrolling a small-order or non-canonical public key: 400 naming the reason', async () => {
    const identity = `AQ${'A'.repeat(41)}`;
    await expect400(
      routes.approvers(teamId),
      JSON.stringify({ publicKey: identity, name: 'x' }),
      'publicKey',
      /small-order/,
    );
    const respelled = `${alice.publicKey.slice(0, -1)}${String.fromCharCode(alice.publicKey.charCodeAt(42) + 1)}`;
    await expect400(
      routes.approvers(teamId),
      JSON.stringify({ publicKey: respelled, name: 'x' }),
      'publicKey',
      /canonical base64url/,
    );
  });

  test('HEAD with headers or a URL over the limit: 431 with headers only, then close', async () => {
    for (const request of [
      `HEAD /v1/openapi.json HTTP/1.1\r\nhost: x\r\nx-pad: ${'a'.repeat(20_000)}\r\n\r\n`,
      `HEAD /v1/openapi.json?${'q'.repeat(20_000)} HTTP/1.1\r\nhost: x\r\n\r\n`,
    ]) {
      const answer = await exchange(cloud.url, request);
      const [head = '', ...rest] = answer.split('\r\n\r\n');
      assert.match(head, /^HTTP\/1\.1 431 /);
      assert.match(head, /connection: close/i);
      assert.equal(rest.join(''), '', 'no body after the headers of a HEAD answer');
    }
  });

  test('CONNECT gets an answer: 405 in the API error shape', async () => {
    const answer = await exchange(cloud.url, 'CONNECT example.com:443 HTTP/1.1\r\nhost: example.com:443\r\n\r\n');
    const [head = '', body = ''] = answer.split('\r\n\r\n');
    assert.match(head, /^HTTP\/1\.1 405 /);
    assert.match(head, /allow: GET, HEAD, POST/i);
    const json = JSON.parse(body);
    assert.equal(json.error.code, 'bad_request');
    assert.match(json.error.message, /CONNECT is not supported/);
  });
});
