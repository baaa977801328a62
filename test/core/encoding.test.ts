import assert from 'node:assert/strict';
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { test } from 'node:test';
import { b64url, bytesEqual, EncodingError, fromHex, toHex, utf8 } from '../../src/core/index.ts';

test('base64url round-trips and matches Node for every length 0..200', () => {
  for (let len = 0; len <= 200; len++) {
    const bytes = new Uint8Array(nodeRandomBytes(len));
    const encoded = b64url.encode(bytes);
    assert.equal(encoded, Buffer.from(bytes).toString('base64url'));
    assert.deepEqual(b64url.decode(encoded), bytes);
  }
});

test('base64url decoding is strict', () => {
  const bad = ['AA==', 'AA=', 'A+B/', 'AB C', 'AB\n', 'ABCDE', 'AB', 'AAB', 'é', 'AA.A'];
  // 'AB' and 'AAB' have non-zero unused trailing bits: a second spelling of the same bytes.
  for (const text of bad) assert.throws(() => b64url.decode(text), EncodingError, JSON.stringify(text));
  assert.deepEqual(b64url.decode('AA'), new Uint8Array([0]));
  assert.deepEqual(b64url.decode('AAA'), new Uint8Array([0, 0]));
  assert.deepEqual(b64url.decode(''), new Uint8Array([]));
  assert.deepEqual(b64url.decode('-_8'), new Uint8Array([0xfb, 0xff]));
});

test('hex', () => {
  assert.equal(toHex(new Uint8Array([0, 1, 0xab, 0xff])), '0001abff');
  assert.deepEqual(fromHex('0001ABff'), new Uint8Array([0, 1, 0xab, 0xff]));
  for (const bad of ['0', 'zz', '0x00', ' 00']) assert.throws(() => fromHex(bad), EncodingError, bad);
});

test('utf8 refuses invalid byte sequences', () => {
  assert.deepEqual(utf8.encode('€'), new Uint8Array([0xe2, 0x82, 0xac]));
  assert.equal(utf8.decode(new Uint8Array([0xe2, 0x82, 0xac])), '€');
  assert.throws(() => utf8.decode(new Uint8Array([0xff, 0xfe])));
});

test('bytesEqual', () => {
  assert.ok(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2])));
  assert.ok(!bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3])));
  assert.ok(!bytesEqual(new Uint8Array([1]), new Uint8Array([1, 2])));
});
