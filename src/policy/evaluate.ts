/**
 * Evaluate an action against a policy: the first rule whose `match` and every `when`
 * condition hold decides the verdict; when none does, the policy's default verdict applies.
 * Pure and synchronous; runs in Node and in the browser.
 */
import type { Action, PolicyRef, PolicyRule, Verdict } from '../core/schemas.ts';
import {
  type CompiledPolicy,
  type CompiledRule,
  compilePolicy,
  isCompiledPolicy,
  type Pattern,
  type PolicyLike,
} from './compile.ts';
import { testCondition } from './conditions.ts';

export interface Evaluation {
  verdict: Verdict;
  /** The id of the rule that matched; null when the default verdict applied. */
  ruleId: string | null;
  rule: PolicyRule | null;
  /** What a receipt records: the policy version and the rule id. */
  policy: PolicyRef;
}

/** The fields of an action that evaluation reads. */
export type EvaluableAction = Pick<Action, 'tool' | 'account' | 'workflow' | 'params'>;

function matchesAny(patterns: Pattern[] | null, value: string): boolean {
  if (patterns === null) return true;
  return patterns.some((p) => ('exact' in p ? value === p.exact : value.startsWith(p.prefix)));
}

export function ruleMatches(compiled: CompiledRule, action: EvaluableAction): boolean {
  return (
    matchesAny(compiled.tool, action.tool) &&
    matchesAny(compiled.account, action.account) &&
    matchesAny(compiled.workflow, action.workflow) &&
    compiled.conditions.every((c) => testCondition(c, action.params))
  );
}

/**
 * The verdict for `action` under `policy` (a PolicyDocument, a PolicyBundle or a compiled
 * policy). Throws `PolicyError` when the policy itself is not valid, whatever object it is
 * given (a look-alike of a compiled policy is validated like a document).
 */
export function evaluate(action: EvaluableAction, policy: PolicyLike | CompiledPolicy): Evaluation {
  const compiled = isCompiledPolicy(policy) ? policy : compilePolicy(policy as PolicyLike);
  for (const c of compiled.rules) {
    if (ruleMatches(c, action))
      return {
        verdict: c.rule.verdict,
        ruleId: c.rule.id,
        rule: c.rule,
        policy: { version: compiled.version, ruleId: c.rule.id },
      };
  }
  return {
    verdict: compiled.defaultVerdict,
    ruleId: null,
    rule: null,
    policy: { version: compiled.version, ruleId: null },
  };
}
