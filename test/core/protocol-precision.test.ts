/**
 * Each exact statement docs/protocol.md makes about limits and encodings, tested at its
 * boundary so that a code that read the statement differently would fail here.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import {
  Action,
  CanonicalJsonError,
  canonicalize,
  DecisionStatement,
  EnrolApproverRequest,
  LIMITS,
  PublicKeyB64,
  shortCode,
  Text,
  utf8,
} from '../../src/core/index.ts';
import { ACTION } from './fixtures.ts';

const paramsOk = (params: unknown) => Action.safeParse({ ...ACTION, params }).success;
const paramsError = (params: unknown) => {
  const r = Action.safeParse({ ...ACTION, params });
  return r.success ? null : r.error.issues.map((i) => i.message).join('; ');
};

/** A value `depth` member steps below params: {"a":{"a":…{"a":leaf}}}; depth 1 is {"a": leaf}. */
function nested(depth: number, leaf: unknown): Record<string, unknown> {
  let value = leaf;
  for (let i = 1; i < depth; i++) value = { a: value };
  return { a: value };
}

test('short code: bits 0–29 of the digest (most significant bit of byte 0 first), five at a time', () => {
  const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  for (let i = 0; i < 200; i++) {
    const digest = createHash('sha256').update(`action ${i}`).digest();
    const bits = [...digest.subarray(0, 4)].map((b) => b.toString(2).padStart(8, '0')).join('');
    const chars = [0, 5, 10, 15, 20, 25].map((at) => CROCKFORD[Number.parseInt(bits.slice(at, at + 5), 2)]).join('');
    assert.equal(shortCode(`sha256:${digest.toString('hex')}`), `${chars.slice(0, 3)}-${chars.slice(3)}`);
  }
  // Bit 29 is the last one used, bit 30 the first one ignored.
  assert.equal(shortCode(`sha256:00000004${'0'.repeat(56)}`), '000-001');
  assert.equal(shortCode(`sha256:00000003${'f'.repeat(56)}`), '000-000');
});

test('params depth: steps from params to a value, params itself at 0; every value (scalars too) at ≤ 16', () => {
  assert.equal(LIMITS.paramDepth, 16);
  assert.ok(paramsOk(nested(16, 1)));
  assert.ok(paramsOk(nested(16, {})));
  assert.ok(paramsOk(nested(16, [])));
  assert.match(paramsError(nested(17, 1)) ?? '', /nested deeper than 16/);
  assert.match(paramsError(nested(16, [1])) ?? '', /nested deeper than 16/);
});

test('string lengths count Unicode code points, not UTF-16 code units: params, member names, Text, ids', () => {
  const astral = '😀'; // one code point, two UTF-16 code units
  assert.ok(paramsOk({ s: astral.repeat(LIMITS.paramStringLength) }));
  assert.match(
    paramsError({ s: `${astral.repeat(LIMITS.paramStringLength)}x` }) ?? '',
    /8192 characters \(Unicode code points\)/,
  );
  assert.ok(paramsOk({ s: 'x'.repeat(LIMITS.paramStringLength) }));
  assert.equal(paramsOk({ s: 'x'.repeat(LIMITS.paramStringLength + 1) }), false);
  assert.ok(paramsOk({ [astral.repeat(256)]: 1 }));
  assert.match(paramsError({ [`${astral.repeat(256)}x`]: 1 }) ?? '', /member name longer than 256/);
  // Text (reason, summary) and every other schema string count the same way.
  assert.ok(Text.safeParse(astral.repeat(2000)).success);
  assert.equal(Text.safeParse(`${astral.repeat(2000)}x`).success, false);
  assert.equal(Text.safeParse('x'.repeat(2001)).success, false);
});

test('the 64 KiB params limit counts the UTF-8 bytes of the canonical form', () => {
  const canonicalSize = (params: unknown) => utf8.encode(canonicalize(params)).length;
  // 8 strings of 8000 "€": 64,000 UTF-16 units but 192,000 UTF-8 bytes.
  const euros = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`k${i}`, '€'.repeat(8000)]));
  assert.ok(JSON.stringify(euros).length < LIMITS.paramBytes);
  assert.match(paramsError(euros) ?? '', /larger than 65536 bytes of UTF-8/);
  // Exactly at the limit passes, one byte more does not. {"s":"…"} is 8 bytes around the strings.
  const exact = { a: 'x'.repeat(8000), b: 'x'.repeat(8000) } as Record<string, string>;
  let i = 0;
  while (canonicalSize(exact) + 8192 < LIMITS.paramBytes) exact[`k${i++}`] = 'x'.repeat(8000);
  exact.last = 'x'.repeat(LIMITS.paramBytes - canonicalSize(exact) - '"last":'.length - 3);
  assert.equal(canonicalSize(exact), LIMITS.paramBytes);
  assert.ok(paramsOk(exact));
  exact.last += 'x';
  assert.equal(paramsOk(exact), false);
  // Whitespace and member order in the input do not count: only the canonical form does.
  const spaced = JSON.parse(JSON.stringify(exact, null, 2).replace(/x"$/m, '"'));
  assert.ok(paramsOk(spaced));
});

test('params that cannot be signed are refused by the canonicaliser, in its words: one rule, not two', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ n: 2 ** 53 }, /^n: integer 9007199254740992 is outside ±\(2\^53−1\); send it as a string$/],
    [{ s: 'a\ud800' }, /^s: string contains a lone surrogate/],
    [{ d: new Date(0) }, /^d: \[object Date\] is not a plain JSON object$/],
    [{ a: [1, { b: undefined }] }, /^a\[1\]\.b: undefined is not a JSON value$/],
  ];
  for (const [params, message] of cases) {
    assert.match(paramsError(params) ?? '', message);
    assert.throws(() => canonicalize(params), CanonicalJsonError);
  }
});

test('__proto__ and constructor are refused as member names at any depth of params, naming where', () => {
  for (const name of ['__proto__', 'constructor']) {
    const params = JSON.parse(`{"order":{"lines":[{"${name}":{"admin":true}}]}}`);
    assert.equal(Object.keys(params.order.lines[0])[0], name, 'JSON.parse makes it an own member');
    assert.match(
      paramsError(params) ?? '',
      new RegExp(`order\\.lines\\[0\\]\\.${name}: the member name "${name}" is refused`),
    );
  }
  // Names that merely contain them are data like any other.
  assert.ok(paramsOk({ __proto: 1, constructorName: 'x', prototype: 2 }));
});

test('lone UTF-16 surrogates are refused by Text (reason, summary) and by enrolment names', () => {
  assert.match(Text.safeParse('ok \ud800').error?.issues[0]?.message ?? '', /lone UTF-16 surrogate/);
  assert.ok(Text.safeParse('pair 😀').success);
  const summary = Action.safeParse({ ...ACTION, summary: 'refund \udc00' });
  assert.deepEqual(
    summary.error?.issues.map((i) => i.path.join('.')),
    ['summary'],
  );
  const reason = DecisionStatement.shape.reason.safeParse('\ud83d');
  assert.equal(reason.success, false);
  const enrol = EnrolApproverRequest.safeParse({ publicKey: ACTION_KEY, name: 'Ann \ud800' });
  assert.deepEqual(
    enrol.error?.issues.map((i) => i.path.join('.')),
    ['name'],
  );
});

const ACTION_KEY = 'A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg';

test('public keys: canonical base64url of a canonical, non-small-order point, with the reason named', () => {
  assert.ok(PublicKeyB64.safeParse(ACTION_KEY).success);
  const message = (key: string) =>
    PublicKeyB64.safeParse(key)
      .error?.issues.map((i) => i.message)
      .join('; ') ?? '';
  assert.match(message(`${ACTION_KEY.slice(0, -1)}h`), /canonical base64url/);
  assert.match(message(`AQ${'A'.repeat(41)}`), /small-order/);
  assert.match(message('A'.repeat(43)), /small-order/);
  assert.match(
    message(Buffer.from(`ed${'ff'.repeat(30)}7f`, 'hex').toString('base64url')),
    /not the canonical encoding/,
  );
  assert.match(message(`Ag${'A'.repeat(41)}`), /no curve point/);
});

test('canonicalize refuses nesting deeper than 256 with its own error, even at 5,000 levels', () => {
  const deep = (levels: number) => {
    let value: unknown = 1;
    for (let i = 0; i < levels; i++) value = i % 2 ? { a: value } : [value];
    return value;
  };
  assert.doesNotThrow(() => canonicalize(deep(256)));
  assert.throws(() => canonicalize(deep(257)), CanonicalJsonError);
  assert.throws(
    () => canonicalize(deep(5000)),
    (err) => err instanceof CanonicalJsonError && /deeper than 256/.test(err.message),
  );
});
