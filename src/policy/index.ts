/**
 * The HESO policy language: match rules on tool, account and workflow, test conditions on
 * params, first match wins, default verdict otherwise. Specified in docs/policy.md.
 * Browser-safe: no Node built-ins anywhere under src/policy.
 */
export {
  type CompiledPolicy,
  type CompiledRule,
  compilePolicy,
  formatPolicyIssues,
  PolicyError,
  type PolicyIssue,
  type PolicyLike,
  type PolicyValidation,
  validatePolicy,
} from './compile.ts';
export { type Condition, ConditionSyntaxError, parseCondition, resolvePath, testCondition } from './conditions.ts';
export { type EvaluableAction, type Evaluation, evaluate, ruleMatches } from './evaluate.ts';
