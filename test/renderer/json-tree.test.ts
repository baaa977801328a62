/** The JSON tree shows every value so that different values never look the same. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { JsonTree } from '../../renderer/components/JsonTree.tsx';
import type { JsonValue } from '../../src/core/schemas.ts';

/** The text a reader sees (markup stripped). */
function shown(value: JsonValue): string {
  return renderToStaticMarkup(createElement(JsonTree, { value })).replace(/<[^>]+>/g, '');
}

describe('JsonTree', () => {
  test('an array and an object keyed "[0]" never look the same', () => {
    assert.notEqual(shown(['A']), shown({ '[0]': 'A' }));
    assert.notEqual(shown({ list: ['A'] }), shown({ list: { '[0]': 'A' } }));
  });

  test('object keys are quoted, array positions bare', () => {
    assert.equal(shown(['A']), '[0]“A”');
    assert.equal(shown({ '[0]': 'A' }), '&quot;[0]&quot;“A”');
  });

  test('strings, numbers, booleans and null stay distinct', () => {
    const values: JsonValue[] = ['1', 1, 'true', true, 'null', null, [], {}];
    const texts = values.map((v) => shown({ v }));
    assert.equal(new Set(texts).size, values.length, texts.join(' | '));
  });
});
