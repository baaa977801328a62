import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  LIMITS,
  parseJsonText,
  parseWith,
  Receipt,
  TrustSet,
  ValidationError,
  type VerifyResult,
  verifyReceipt,
} from '../../src/core/index.ts';
import { clone, cosigned, trust } from './fixtures.ts';

const good = cosigned();
const goodText = JSON.stringify(good);

function assertMalformed(result: VerifyResult, fieldPattern?: RegExp) {
  assert.equal(result.ok, false);
  assert.equal(result.valid, false);
  // A malformed co-signature leaves a valid operator receipt suspended; anything else fails closed.
  assert.ok(result.verdict === 'block' || result.verdict === 'suspend');
  const malformed = result.reasons.filter((r) => r.code === 'malformed');
  assert.ok(malformed.length > 0, JSON.stringify(result.reasons));
  if (fieldPattern) {
    assert.ok(
      malformed.some((r) => fieldPattern.test(r.field ?? '') && r.message.startsWith(r.field ?? '')),
      `expected a malformed reason on ${fieldPattern}, got ${JSON.stringify(malformed)}`,
    );
  }
}

describe('malformed input never crashes and names the field', () => {
  test('not an object at all', () => {
    for (const value of [null, undefined, 42, 'receipt', [], true, [good]])
      assertMalformed(verifyReceipt(value, trust), /^receipt$/);
  });

  test('truncated JSON text: every prefix is refused with a clear error', () => {
    for (let cut = 0; cut < goodText.length; cut += 3) {
      assert.throws(
        () => parseJsonText(goodText.slice(0, cut), 'receipt'),
        (err: unknown) => err instanceof ValidationError && /^receipt: (is empty|is not valid JSON)/.test(err.message),
        `prefix ${cut}`,
      );
    }
    assert.deepEqual(parseJsonText(goodText, 'receipt'), good);
  });

  test('oversized text and oversized fields', () => {
    const huge = ' '.repeat(LIMITS.requestBytes) + goodText;
    assert.throws(() => parseJsonText(huge, 'receipt'), /receipt: \d+ bytes is larger than the 1048576-byte limit/);

    const longString = clone(good);
    longString.statement.action.params.note = 'x'.repeat(LIMITS.paramStringLength + 1);
    assertMalformed(verifyReceipt(longString, trust), /^receipt\.statement\.action\.params$/);

    const longId = clone(good);
    longId.statement.teamId = 'a'.repeat(LIMITS.idLength + 1);
    assertMalformed(verifyReceipt(longId, trust), /^receipt\.statement\.teamId$/);

    const deep = clone(good);
    let nested: Record<string, unknown> = {};
    const root = nested;
    for (let i = 0; i < 10_000; i++) {
      const next = {};
      nested.d = next;
      nested = next;
    }
    deep.statement.action.params = root as never;
    assertMalformed(verifyReceipt(deep, trust), /^receipt\.statement\.action\.params$/);

    const wide = clone(good);
    wide.statement.action.params = { list: Array.from({ length: LIMITS.paramEntries + 1 }, (_, i) => i) };
    assertMalformed(verifyReceipt(wide, trust), /^receipt\.statement\.action\.params$/);
  });

  test('deeply nested JSON text is refused, not a stack overflow', () => {
    const text = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    let value: unknown;
    try {
      value = parseJsonText(text, 'receipt');
    } catch (err) {
      assert.ok(err instanceof ValidationError);
      return;
    }
    assertMalformed(verifyReceipt(value, trust), /^receipt$/);
  });

  test('wrong types', () => {
    const cases: [string, (r: ReturnType<typeof clone<typeof good>>) => void, RegExp][] = [
      ['teamId number', (r) => Object.assign(r.statement, { teamId: 5 }), /^receipt\.statement\.teamId$/],
      ['action null', (r) => Object.assign(r.statement, { action: null }), /^receipt\.statement\.action$/],
      [
        'params array',
        (r) => Object.assign(r.statement.action, { params: [1] }),
        /^receipt\.statement\.action\.params$/,
      ],
      ['verdict unknown', (r) => Object.assign(r.statement, { verdict: 'maybe' }), /^receipt\.statement\.verdict$/],
      ['signature short', (r) => Object.assign(r, { signature: 'abc' }), /^receipt\.signature$/],
      [
        'signature with padding',
        (r) => Object.assign(r, { signature: `${r.signature.slice(0, 84)}==` }),
        /^receipt\.signature$/,
      ],
      [
        'bad timestamp',
        (r) => Object.assign(r.statement, { issuedAt: '2026-03-02 09:00' }),
        /^receipt\.statement\.issuedAt$/,
      ],
      ['statement missing', (r) => Object.assign(r, { statement: undefined }), /^receipt\.statement$/],
      [
        'policy ruleId number',
        (r) => Object.assign(r.statement.policy, { ruleId: 1 }),
        /^receipt\.statement\.policy\.ruleId$/,
      ],
      ['cosignature string', (r) => Object.assign(r, { cosignature: 'yes' }), /^receipt\.cosignature$/],
      [
        'decision unknown',
        (r) => Object.assign(r.cosignature!.statement, { decision: 'maybe' }),
        /^receipt\.cosignature\.statement\.decision$/,
      ],
      [
        'approver key b64',
        (r) => Object.assign(r.cosignature!, { approverPublicKey: `${'A+'.repeat(21)}A` }),
        /approverPublicKey$/,
      ],
    ];
    for (const [name, change, field] of cases) {
      const r = clone(good);
      change(r);
      const result = verifyReceipt(r, trust);
      assert.doesNotThrow(() => assertMalformed(result, field), name);
    }
  });

  test('extra fields where the schema is closed', () => {
    const places: [string, (r: ReturnType<typeof clone<typeof good>>) => void, string][] = [
      ['envelope', (r) => Object.assign(r, { extra: 1 }), 'receipt.extra'],
      ['statement', (r) => Object.assign(r.statement, { extra: 1 }), 'receipt.statement.extra'],
      ['action', (r) => Object.assign(r.statement.action, { extra: 1 }), 'receipt.statement.action.extra'],
      ['policy', (r) => Object.assign(r.statement.policy, { extra: 1 }), 'receipt.statement.policy.extra'],
      ['cosignature', (r) => Object.assign(r.cosignature!, { extra: 1 }), 'receipt.cosignature.extra'],
      ['decision', (r) => Object.assign(r.cosignature!.statement, { extra: 1 }), 'receipt.cosignature.statement.extra'],
    ];
    for (const [name, change, field] of places) {
      const r = clone(good);
      change(r);
      const result = verifyReceipt(r, trust);
      assertMalformed(result);
      assert.ok(
        result.reasons.some((x) => x.field === field && /unknown field/.test(x.message)),
        `${name}: ${JSON.stringify(result.reasons)}`,
      );
    }
  });

  test('a non-canonical base64url key (non-zero trailing bits) is refused', () => {
    const r = clone(good);
    const key = r.statement.operatorPublicKey;
    // The last character of a 32-byte key carries 4 unused bits; flip one of them.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    r.statement.operatorPublicKey = key.slice(0, 42) + alphabet[alphabet.indexOf(key[42]!) ^ 1]!;
    assertMalformed(verifyReceipt(r, trust), /^receipt\.statement\.operatorPublicKey$/);
  });

  test('malformed trust sets', () => {
    assertMalformed(verifyReceipt(good, { approverKeys: 'x' } as never), /^trust\.approverKeys$/);
    assertMalformed(verifyReceipt(good, null as never), /^trust$/);
    assertMalformed(verifyReceipt(good, { approverKeys: [], extra: 1 } as never), /^trust\.extra$/);
  });

  test('hostile objects (throwing getters, proxies) are reported, not thrown', () => {
    const getter = clone(good) as Record<string, unknown>;
    Object.defineProperty(getter, 'signature', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    assertMalformed(verifyReceipt(getter, trust));
    const proxy = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('nope');
        },
      },
    );
    assertMalformed(verifyReceipt(proxy, trust));
  });

  test('random structural fuzz never throws and never allows', () => {
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const junk = [null, 0, -1, 1.5, '', 'x', [], {}, true, 'A'.repeat(43), '2026-01-01T00:00:00Z'];
    for (let i = 0; i < 500; i++) {
      const r = clone(good) as unknown as Record<string, unknown>;
      let node: Record<string, unknown> = r;
      for (let depth = 0; depth < 4; depth++) {
        const entries = Object.keys(node);
        const key = entries[rand(entries.length)]!;
        const child = node[key];
        if (child !== null && typeof child === 'object' && rand(3) > 0) {
          node = child as Record<string, unknown>;
          continue;
        }
        if (rand(4) === 0) delete node[key];
        else node[key] = junk[rand(junk.length)];
        break;
      }
      const result = verifyReceipt(r, trust);
      if (JSON.stringify(r) !== goodText) assert.equal(result.ok, false, JSON.stringify(r));
    }
  });
});

describe('parseWith', () => {
  test('names the field path in the message and lists all issues', () => {
    const r = clone(good) as unknown as { statement: Record<string, unknown> };
    r.statement.teamId = 5;
    r.statement.verdict = 'maybe';
    try {
      parseWith(Receipt, r, 'receipt');
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof ValidationError);
      assert.equal(err.message, 'receipt.statement.teamId: expected string, received number (and 1 more problem)');
      assert.equal(err.field, 'receipt.statement.teamId');
      assert.deepEqual(
        err.issues.map((i) => i.field),
        ['receipt.statement.teamId', 'receipt.statement.verdict'],
      );
    }
    assert.deepEqual(parseWith(TrustSet, trust, 'trust'), trust);
    assert.throws(
      () => parseWith(TrustSet, { approverKeys: [1] }, 'trust'),
      /^ValidationError: trust\.approverKeys\[0\]: /,
    );
  });
});
