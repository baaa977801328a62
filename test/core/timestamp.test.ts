import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Timestamp } from '../../src/core/schemas.ts';

test('Timestamp accepts real RFC 3339 UTC times, with or without fractions', () => {
  for (const ok of ['2026-02-28T23:59:59Z', '2024-02-29T00:00:00.123456789Z', '2026-11-27T10:00:00.000Z']) {
    assert.equal(Timestamp.safeParse(ok).success, true, ok);
  }
});

test('Timestamp refuses impossible dates that Date.parse would roll over, and non-UTC forms', () => {
  for (const bad of [
    '2026-02-30T00:00:00Z',
    '2025-02-29T00:00:00Z',
    '2026-04-31T12:00:00Z',
    '2026-02-28T24:00:00Z',
    '2026-02-28T23:60:00Z',
    '2026-02-28T23:59:59+01:00',
    '2026-02-28 23:59:59Z',
  ]) {
    assert.equal(Timestamp.safeParse(bad).success, false, bad);
  }
});
