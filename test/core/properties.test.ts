/**
 * Property-based tests (fast-check), bounded to run in seconds: whatever they are given,
 * verifyReceipt never throws and never accepts what it should not, the schemas and
 * canonicalize answer only with their documented results or errors, and the policy parser
 * and evaluator throw only their documented error types.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { nodeVerify } from '../../src/core/ed25519-node.ts';
import {
  Action,
  b64url,
  CanonicalJsonError,
  canonicalize,
  DecisionStatement,
  Receipt,
  TrustSet,
  verifyReceipt,
} from '../../src/core/index.ts';
import { ConditionSyntaxError, evaluate, PolicyError, parseCondition } from '../../src/policy/index.ts';
import { ACTION, cosigned, trust } from './fixtures.ts';

const RUNS = { numRuns: 300, seed: 18 };

/** Any JSON-ish value, including the awkward ones: lone surrogates, -0, huge numbers, __proto__ keys. */
const awkwardString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('__proto__', 'constructor', '\ud800', 'a\udc00b', '😀', ''),
);
const awkwardValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, false, -0, 1e21, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY),
    fc.double(),
    fc.integer(),
    awkwardString,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(awkwardString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** A real receipt with one member, somewhere, replaced by an awkward value. */
function mutate(receipt: unknown, path: readonly string[], replacement: unknown): unknown {
  const copy = structuredClone(receipt) as Record<string, unknown>;
  let at: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) {
    const next = at[key];
    if (typeof next !== 'object' || next === null) return copy;
    at = next as Record<string, unknown>;
  }
  Object.defineProperty(at, path[path.length - 1]!, {
    value: replacement,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return copy;
}

const RECEIPT_PATHS: string[][] = [
  ['signature'],
  ['statement', 'actionHash'],
  ['statement', 'operatorPublicKey'],
  ['statement', 'verdict'],
  ['statement', 'action', 'params'],
  ['statement', 'action', 'params', 'amount'],
  ['statement', 'action', 'summary'],
  ['cosignature', 'signature'],
  ['cosignature', 'approverPublicKey'],
  ['cosignature', 'statement', 'reason'],
  ['cosignature', 'statement', 'decision'],
  ['cosignature', 'statement', 'challenge'],
];

test('verifyReceipt: never throws, and a changed signed member never leaves the receipt ok', () => {
  const good = cosigned();
  assert.equal(verifyReceipt(good, trust).ok, true);
  fc.assert(
    fc.property(fc.constantFrom(...RECEIPT_PATHS), awkwardValue, (path, value) => {
      const receipt = mutate(good, path, value);
      // node:crypto keeps this fast; both backends apply the same rule (ed25519-vectors.test.ts).
      const result = verifyReceipt(receipt, trust, { verify: nodeVerify });
      assert.ok(Array.isArray(result.reasons));
      if (result.ok) assert.equal(canonicalize(receipt), canonicalize(good), 'only the unchanged receipt is ok');
    }),
    RUNS,
  );
  fc.assert(
    fc.property(awkwardValue, awkwardValue, (receipt, trustSet) => {
      const result = verifyReceipt(receipt, trustSet as never, { verify: nodeVerify });
      assert.equal(result.ok, false);
    }),
    RUNS,
  );
});

test('schemas: safeParse never throws, and what they accept canonicalises and round-trips', () => {
  const schemas = [Action, Receipt, DecisionStatement, TrustSet];
  fc.assert(
    fc.property(fc.constantFrom(...schemas), awkwardValue, (schema, value) => {
      const parsed = schema.safeParse(value);
      if (parsed.success) assert.deepEqual(JSON.parse(canonicalize(parsed.data)), parsed.data);
    }),
    RUNS,
  );
  // Actions with awkward params: accepted ones always canonicalise (the schema is the gate the server relies on).
  fc.assert(
    fc.property(fc.dictionary(awkwardString, awkwardValue, { maxKeys: 5 }), awkwardString, (params, summary) => {
      const parsed = Action.safeParse({ ...ACTION, params, summary });
      if (parsed.success) assert.doesNotThrow(() => canonicalize(parsed.data));
    }),
    RUNS,
  );
});

test('canonicalize: returns JSON that parses back to the same value, or throws CanonicalJsonError', () => {
  fc.assert(
    fc.property(awkwardValue, (value) => {
      let text: string;
      try {
        text = canonicalize(value);
      } catch (err) {
        assert.ok(err instanceof CanonicalJsonError, String(err));
        return;
      }
      assert.equal(canonicalize(JSON.parse(text)), text, 'canonical form is a fixed point');
    }),
    RUNS,
  );
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 6000 }), (depth) => {
      let value: unknown = 0;
      for (let i = 0; i < depth; i++) value = [value];
      try {
        canonicalize(value);
      } catch (err) {
        assert.ok(err instanceof CanonicalJsonError);
      }
    }),
    { numRuns: 30, seed: 18 },
  );
});

test('policy: parseCondition throws only ConditionSyntaxError; evaluate only PolicyError', () => {
  const words = fc.constantFrom('not', 'exists', 'in', 'amount', '==', '>', '"x"', '1', '[', ']', ',', 'contains', '(');
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 60 }),
        fc.array(words, { maxLength: 30 }).map((w) => w.join(' ')),
      ),
      (src) => {
        try {
          parseCondition(src);
        } catch (err) {
          assert.ok(err instanceof ConditionSyntaxError, String(err));
        }
      },
    ),
    RUNS,
  );
  fc.assert(
    fc.property(awkwardValue, (policy) => {
      try {
        evaluate(ACTION, policy as never);
      } catch (err) {
        assert.ok(err instanceof PolicyError, String(err));
      }
    }),
    RUNS,
  );
});

test('policy: long "not" chains parse without recursion and keep their meaning', () => {
  const action = { ...ACTION, params: { amount: 250 } };
  for (const count of [1, 2, 99, 100, 20_001]) {
    const condition = `${'not '.repeat(count)}amount > 100`;
    assert.doesNotThrow(() => parseCondition(condition));
    const policy = { version: 'p', defaultVerdict: 'allow' as const, rules: [{ id: 'r', verdict: 'block' as const }] };
    const parsed = parseCondition(condition);
    assert.equal(parsed.kind === 'not', count % 2 === 1, `${count} nots`);
    if (count < 100) {
      const withWhen = { ...policy, rules: [{ ...policy.rules[0]!, when: [condition] }] };
      assert.equal(evaluate(action, withWhen).verdict, count % 2 === 1 ? 'allow' : 'block');
    }
  }
});

test('evaluate: malformed policy objects, including look-alikes of a compiled policy, throw PolicyError', () => {
  const bad: unknown[] = [
    null,
    undefined,
    7,
    'policy',
    {},
    { version: 'v', defaultVerdict: 'allow', rules: 5 },
    { version: 'v', defaultVerdict: 'allow', rules: [null] },
    { version: 'v', defaultVerdict: 'maybe', rules: [] },
    { version: 'v', defaultVerdict: 'allow', rules: [{ rule: {}, conditions: [{ kind: 'nope' }] }] },
    { version: 'v', defaultVerdict: 'allow', rules: [{ id: 'r', verdict: 'block', when: ['amount >'] }] },
  ];
  for (const policy of bad) assert.throws(() => evaluate(ACTION, policy as never), PolicyError, JSON.stringify(policy));
});

test('base64url: decoding accepts exactly the canonical spelling of each byte string', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 70 }), (bytes) => {
      const text = b64url.encode(bytes);
      assert.deepEqual(b64url.decode(text), bytes);
    }),
    RUNS,
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 90 }), (text) => {
      let bytes: Uint8Array;
      try {
        bytes = b64url.decode(text);
      } catch {
        return;
      }
      assert.equal(b64url.encode(bytes), text, 'a decodable string is the canonical spelling');
    }),
    RUNS,
  );
});
