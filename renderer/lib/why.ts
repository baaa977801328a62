/**
 * "Why it needs you": each condition of the rule that suspended the action, checked on this
 * device against the signed params, with the values it read: `amount > 100` with
 * `amount = 250`. The rule's text comes from the control plane (untrusted); whether it holds
 * for these params is computed here, with the same condition code the SDK evaluates with.
 * Pure, no DOM: unit-tested in test/renderer/why.test.ts.
 */
import type { JsonValue } from '../../src/core/schemas.ts';
import { type Condition, parseCondition, resolvePath, testCondition } from '../../src/policy/conditions.ts';

export interface ConditionExplanation {
  /** The condition as the rule writes it. */
  condition: string;
  /** Whether it holds for the params; null when it cannot be read (syntax error). */
  holds: boolean | null;
  /** The params the condition reads, as `path = value` ("amount = 250", "dryRun is absent"). */
  values: string[];
}

function pathsOf(condition: Condition): string[][] {
  return condition.kind === 'not' ? pathsOf(condition.inner) : [condition.path];
}

function shown(value: JsonValue | undefined): string {
  if (value === undefined) return 'is absent';
  return `= ${JSON.stringify(value)}`;
}

export function explainConditions(conditions: readonly string[], params: JsonValue): ConditionExplanation[] {
  return conditions.map((text) => {
    let parsed: Condition;
    try {
      parsed = parseCondition(text);
    } catch {
      return { condition: text, holds: null, values: [] };
    }
    const values = pathsOf(parsed).map((path) => `${path.join('.')} ${shown(resolvePath(params, path))}`);
    return { condition: text, holds: testCondition(parsed, params), values };
  });
}
