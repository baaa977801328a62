import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  escapeUntrusted,
  flattenForDisplay,
  hasBidiControls,
  hasHiddenCharacters,
  jsonForTerminal,
} from '../../src/approver/display.ts';

test('control characters are shown as escapes, never rendered', () => {
  assert.equal(escapeUntrusted('a\nb\tc\rd'), 'a\\nb\\tc\\rd');
  assert.equal(escapeUntrusted('\x1b[31mred\x1b[0m'), '\\x1b[31mred\\x1b[0m');
  assert.equal(escapeUntrusted('nul\0del\x7fc1\x9b'), 'nul\\x00del\\x7fc1\\x9b');
});

test('bidirectional overrides and invisible characters are escaped', () => {
  const trick = 'invoice_\u202Egnp.exe';
  assert.equal(escapeUntrusted(trick), 'invoice_\\u202Egnp.exe');
  assert.equal(escapeUntrusted('a\u2066b\u2069c\u200Fd\u061C'), 'a\\u2066b\\u2069c\\u200Fd\\u061C');
  assert.equal(escapeUntrusted('zero\u200Bwidth\uFEFF'), 'zero\\u200Bwidth\\uFEFF');
  assert.equal(escapeUntrusted('tag\u{E0041}'), 'tag\\u{E0041}');
  // Invisible default-ignorable format characters beyond the BMP: variation selectors 17–256
  // (used to smuggle hidden bytes behind a visible character), shorthand and musical format controls.
  assert.equal(escapeUntrusted('a\u{E0100}b\u{E01EF}'), 'a\\u{E0100}b\\u{E01EF}');
  assert.equal(escapeUntrusted('x\u{1BCA0}y\u{1D173}'), 'x\\u{1BCA0}y\\u{1D173}');
  assert.ok(hasHiddenCharacters('IBAN\u{E0101}'));
  assert.ok(hasBidiControls(trick));
  assert.ok(hasHiddenCharacters(trick));
  assert.ok(!hasHiddenCharacters('plain text'));
});

test('printable text in any script is kept; backslashes are doubled so escapes are unambiguous', () => {
  assert.equal(escapeUntrusted('Grüße, 東京, مرحبا 👍'), 'Grüße, 東京, مرحبا 👍');
  assert.equal(escapeUntrusted('C:\\u202E'), 'C:\\\\u202E');
  assert.notEqual(escapeUntrusted('\u202E'), escapeUntrusted('\\u202E'));
});

test('every leaf of nested params is a line, with hostile keys and values escaped', () => {
  const lines = flattenForDisplay(
    { amount: 120, to: { iban: 'DE\u202E00', 'we\nird': true }, list: [1, 'x'], empty: {} },
    'params',
  );
  assert.deepEqual(
    lines.map((l) => [l.path, l.value, l.suspicious]),
    [
      ['params.amount', '120', false],
      ['params.empty', '{}', false],
      ['params.list[0]', '1', false],
      ['params.list[1]', '"x"', false],
      ['params.to.iban', '"DE\\u202E00"', true],
      ['params.to["we\\nird"]', 'true', true],
    ],
  );
});

test('JSON for the terminal is the same value with hidden characters as \\u escapes', () => {
  const value = { note: 'a\u202Eb\x1bc\u{E0041}', plain: 'ok' };
  const text = jsonForTerminal(value);
  assert.ok(!hasHiddenCharacters(text), text);
  assert.deepEqual(JSON.parse(text), value);
});
