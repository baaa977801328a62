import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoStream } from '../../src/demo/actions.ts';
import { demoPolicy } from '../../src/demo/policy.ts';
import { evaluate } from '../../src/policy/index.ts';
import { capture } from '../../src/sdk/index.ts';

const verdicts = (count: number, seed: number) =>
  demoStream(count, seed).map((input) => evaluate(capture(input, { workflow: 'demo' }), demoPolicy()).verdict);

test('the demo stream opens with an action the demo policy suspends, so an approval appears at once', () => {
  for (const seed of [1, 2, 3, 42]) assert.equal(verdicts(1, seed)[0], 'suspend', `seed ${seed}`);
});

test('the demo stream mixes allowed, blocked and suspended actions', () => {
  const seen = new Set(verdicts(60, 7));
  assert.deepEqual([...seen].sort(), ['allow', 'block', 'suspend']);
  assert.equal(demoStream(0, 1).length, 0);
  assert.equal(demoStream(10, 1).length, 10);
});
