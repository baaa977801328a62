import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CanonicalJsonError, canonicalBytes, canonicalize, serializeJcsNumber, utf8 } from '../../src/core/index.ts';

function doubleFromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

describe('RFC 8785 vectors', () => {
  test('§3.2.2 sample: numbers, string escapes, literals', () => {
    const input = String.raw`{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}`;
    const expected = String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`;
    assert.equal(canonicalize(JSON.parse(input), { safeIntegersOnly: false }), expected);
  });

  test('§3.2.3 sorting by UTF-16 code units, including a non-BMP key', () => {
    const input = String.raw`{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}`;
    const out = canonicalize(JSON.parse(input));
    // U+1F600 (surrogates D83D DE00) sorts before U+FB33 by code units, after it by code points.
    assert.equal(
      out,
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  test('Appendix B number serialisation table', () => {
    const table: [string, string][] = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
      ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ];
    for (const [bits, expected] of table) {
      const value = doubleFromBits(bits);
      assert.equal(serializeJcsNumber(value), expected, `bits ${bits}`);
      assert.equal(canonicalize([value], { safeIntegersOnly: false }), `[${expected}]`, `bits ${bits}`);
      if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
        // HESO refuses what other parsers would read as a different integer.
        assert.throws(() => canonicalize([value]), CanonicalJsonError, `bits ${bits}`);
      } else {
        assert.equal(canonicalize([value]), `[${expected}]`, `bits ${bits}`);
      }
    }
    for (const bits of ['7fffffffffffffff', '7ff0000000000000', 'fff0000000000000']) {
      assert.throws(() => serializeJcsNumber(doubleFromBits(bits)), CanonicalJsonError, `bits ${bits}`);
    }
  });
});

describe('escapes and structure', () => {
  test('control characters use short escapes or lowercase \\u00xx; everything else is literal', () => {
    const all = Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)).join('');
    const out = canonicalize(all);
    assert.equal(
      out,
      '"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f"',
    );
    assert.equal(canonicalize('\u007f\u2028</script>é😀'), '"\u007f\u2028</script>é😀"');
    assert.equal(canonicalize('"\\/'), '"\\"\\\\/"');
  });

  test('nested objects sort at every level; arrays keep order; no whitespace', () => {
    assert.equal(
      canonicalize({ b: [3, { z: 1, a: null }], a: { y: true, x: false } }),
      '{"a":{"x":false,"y":true},"b":[3,{"a":null,"z":1}]}',
    );
    assert.equal(canonicalize({}), '{}');
    assert.equal(canonicalize([]), '[]');
    assert.equal(canonicalize(Object.create(null)), '{}');
  });

  test('-0 serialises as 0; canonicalBytes is UTF-8 of the text', () => {
    assert.equal(canonicalize({ n: -0 }), '{"n":0}');
    assert.deepEqual(canonicalBytes({ é: '€' }), utf8.encode('{"é":"€"}'));
  });
});

describe('refusals name the path', () => {
  const cases: [string, unknown, RegExp][] = [
    ['NaN', { a: { b: Number.NaN } }, /^\$\.a\.b: NaN/],
    ['Infinity', { a: [1, Number.POSITIVE_INFINITY] }, /^\$\.a\[1\]: Infinity/],
    ['-Infinity', [Number.NEGATIVE_INFINITY], /^\$\[0\]: -Infinity/],
    ['unsafe integer', { amount: 2 ** 53 }, /^\$\.amount: integer 9007199254740992 is outside/],
    ['negative unsafe integer', { amount: -(2 ** 60) }, /^\$\.amount: integer/],
    ['lone high surrogate', { s: 'a\ud800b' }, /^\$\.s: string contains a lone surrogate/],
    ['lone low surrogate', ['\udc00'], /^\$\[0\]: string contains a lone surrogate/],
    ['lone surrogate in key', { 'k\ud800': 1 }, /key contains a lone surrogate/],
    ['undefined', { a: undefined }, /^\$\.a: undefined is not a JSON value/],
    ['top-level undefined', undefined, /^\$: undefined/],
    ['function', { f: () => 1 }, /^\$\.f: a function/],
    ['symbol', { s: Symbol('x') }, /^\$\.s: a symbol/],
    ['bigint', { n: 10n }, /^\$\.n: bigint/],
    ['Date', { d: new Date(0) }, /^\$\.d: \[object Date\] is not a plain JSON object/],
    ['Map', { m: new Map() }, /^\$\.m: \[object Map\]/],
    ['class instance', { c: new (class Foo {})() }, /^\$\.c: .*not a plain JSON object/],
    ['odd key path', { 'a b': { c: Number.NaN } }, /^\$\["a b"\]\.c: NaN/],
  ];
  for (const [name, value, pattern] of cases) {
    test(name, () => {
      assert.throws(
        () => canonicalize(value),
        (err: unknown) => err instanceof CanonicalJsonError && pattern.test(err.message),
      );
    });
  }
  test('cycles', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    assert.throws(() => canonicalize(a), /circular reference/);
  });
  test('the same object twice (not a cycle) is fine', () => {
    const shared = { x: 1 };
    assert.equal(canonicalize({ a: shared, b: shared }), '{"a":{"x":1},"b":{"x":1}}');
  });
});
