/**
 * The 64 KiB params limit, over HTTP: docs/protocol.md §2.1 counts the UTF-8 bytes of the
 * canonical form, so params of multi-byte characters are refused one byte past the limit even
 * when their UTF-16 length (what `string.length` counts) is a third of it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { routes } from '../../src/core/api.ts';
import { canonicalize } from '../../src/core/canonical.ts';
import { utf8 } from '../../src/core/encoding.ts';
import { type JsonObject, LIMITS } from '../../src/core/schemas.ts';
import { type CloudHandle, setupTeam, startCloud } from '../support/cloud.ts';
import { makeReceipt, raw } from './helpers.ts';

const canonicalSize = (params: unknown) => utf8.encode(canonicalize(params)).length;

/** Params of `€` (3 UTF-8 bytes, 1 UTF-16 unit) whose canonical form is exactly `bytes` UTF-8 bytes. */
function euroParams(bytes: number): JsonObject {
  const params: Record<string, string> = { a: '€'.repeat(8000), b: '€'.repeat(8000) };
  // {"a":"…","b":"…","last":"…"}: the last member takes what is left, in € and then ASCII.
  const left = bytes - canonicalSize(params) - ',"last":""'.length;
  params.last = '€'.repeat(Math.floor(left / 3)) + 'x'.repeat(left % 3);
  assert.equal(canonicalSize(params), bytes);
  return params;
}

let cloud: CloudHandle;
let teamId: string;
let apiKey: string;
before(async () => {
  cloud = await startCloud();
  ({ teamId, apiKey } = await setupTeam(cloud));
});
after(() => cloud.stop());

const receiptWith = (params: JsonObject) => makeReceipt(teamId, { params });

test('params of exactly 65,536 UTF-8 bytes are accepted; one byte more is a 400 naming params', async () => {
  const atLimit = euroParams(LIMITS.paramBytes);
  const opened = await raw(cloud, 'POST', routes.approvals(teamId), {
    apiKey,
    body: { receipt: receiptWith(atLimit) },
  });
  assert.equal(opened.status, 201, opened.text);

  const over = euroParams(LIMITS.paramBytes + 1);
  assert.ok(JSON.stringify(over).length < LIMITS.paramBytes / 2, 'counted in UTF-16 units it would be far below');
  // Signed over the at-limit params, then swapped: the size is refused before any signature is checked.
  const receipt = receiptWith(atLimit);
  const swapped = {
    ...receipt,
    statement: { ...receipt.statement, action: { ...receipt.statement.action, params: over } },
  };
  const refused = await raw(cloud, 'POST', routes.approvals(teamId), { apiKey, body: { receipt: swapped } });
  assert.equal(refused.status, 400, refused.text);
  assert.equal(refused.json.error.field, 'receipt.statement.action.params');
  assert.match(refused.json.error.message, /canonical form larger than 65536 bytes of UTF-8/);
});
