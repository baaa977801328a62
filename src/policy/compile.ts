/**
 * Whole-policy validation and compilation. `validatePolicy` checks a policy document up
 * front (shape, matcher globs, every condition, duplicate rule ids) and reports every
 * problem with the rule id and the condition text, so `heso-cloud policy set` can refuse a
 * bad policy before it reaches any agent. Runs in Node and in the browser.
 */
import { PolicyDocument, type PolicyRule, type Verdict } from '../core/schemas.ts';
import { type Condition, ConditionSyntaxError, parseCondition } from './conditions.ts';

export interface PolicyIssue {
  /** The rule at fault, when one is. */
  ruleId: string | null;
  /** Where in the document, e.g. `rules[2].when[0]`. */
  path: string;
  /** The offending condition string, when a condition is at fault. */
  condition?: string;
  message: string;
}

/** A policy that cannot be used, with every issue found. */
export class PolicyError extends Error {
  readonly issues: PolicyIssue[];
  constructor(issues: PolicyIssue[]) {
    super(`policy is not valid:\n${formatPolicyIssues(issues)}`);
    this.name = 'PolicyError';
    this.issues = issues;
  }
}

export function formatPolicyIssues(issues: readonly PolicyIssue[]): string {
  return issues
    .map((i) => {
      const rule = i.ruleId ? `rule "${i.ruleId}"` : i.path || 'policy';
      const cond = i.condition !== undefined ? ` condition ${JSON.stringify(i.condition)}` : '';
      const where = i.ruleId ? ` (${i.path})` : '';
      return `  - ${rule}${cond}${where}: ${i.message}`;
    })
    .join('\n');
}

/** One matcher pattern: exact text, a `prefix*` glob, or `*` for anything. */
export type Pattern = { exact: string } | { prefix: string };

export interface CompiledRule {
  rule: PolicyRule;
  tool: Pattern[] | null;
  account: Pattern[] | null;
  workflow: Pattern[] | null;
  conditions: Condition[];
}

export interface CompiledPolicy {
  version: string;
  defaultVerdict: Verdict;
  rules: CompiledRule[];
}

/** The parts of a policy evaluation needs; a PolicyDocument and a PolicyBundle both have them. */
export type PolicyLike = Pick<PolicyDocument, 'version' | 'defaultVerdict' | 'rules'>;

export type PolicyValidation =
  | { ok: true; policy: PolicyDocument; compiled: CompiledPolicy }
  | { ok: false; issues: PolicyIssue[] };

function compilePatterns(
  value: string | string[] | undefined,
  path: string,
  ruleId: string,
  issues: PolicyIssue[],
): Pattern[] | null {
  if (value === undefined) return null;
  const list = Array.isArray(value) ? value : [value];
  const out: Pattern[] = [];
  list.forEach((p, i) => {
    const at = Array.isArray(value) ? `${path}[${i}]` : path;
    const star = p.indexOf('*');
    if (star === -1) out.push({ exact: p });
    else if (star === p.length - 1) out.push({ prefix: p.slice(0, -1) });
    else
      issues.push({
        ruleId,
        path: at,
        message: `"${p}": "*" may appear only at the end (a prefix glob such as "db.*")`,
      });
  });
  return out;
}

function compileRules(rules: readonly PolicyRule[], issues: PolicyIssue[]): CompiledRule[] {
  const seen = new Set<string>();
  return rules.map((rule, r) => {
    const base = `rules[${r}]`;
    if (seen.has(rule.id))
      issues.push({ ruleId: rule.id, path: `${base}.id`, message: 'duplicate rule id; every rule needs its own id' });
    seen.add(rule.id);
    if (rule.approvals && rule.verdict !== 'suspend')
      issues.push({
        ruleId: rule.id,
        path: `${base}.approvals`,
        message: `only a "suspend" rule asks for approvals; this rule's verdict is "${rule.verdict}"`,
      });
    const conditions: Condition[] = [];
    (rule.when ?? []).forEach((text, c) => {
      try {
        conditions.push(parseCondition(text));
      } catch (err) {
        if (!(err instanceof ConditionSyntaxError)) throw err;
        issues.push({ ruleId: rule.id, path: `${base}.when[${c}]`, condition: text, message: err.message });
      }
    });
    return {
      rule,
      tool: compilePatterns(rule.match?.tool, `${base}.match.tool`, rule.id, issues),
      account: compilePatterns(rule.match?.account, `${base}.match.account`, rule.id, issues),
      workflow: compilePatterns(rule.match?.workflow, `${base}.match.workflow`, rule.id, issues),
      conditions,
    };
  });
}

/** Check a policy document (any JSON) completely. Never throws on bad input. */
export function validatePolicy(doc: unknown): PolicyValidation {
  const parsed = PolicyDocument.safeParse(doc);
  if (!parsed.success) {
    const rules = (doc as { rules?: unknown } | null)?.rules;
    const issues = parsed.error.issues.map((issue): PolicyIssue => {
      const path = issue.path
        .map((seg, i) => (typeof seg === 'number' ? `[${seg}]` : `${i === 0 ? '' : '.'}${String(seg)}`))
        .join('');
      let ruleId: string | null = null;
      if (issue.path[0] === 'rules' && typeof issue.path[1] === 'number' && Array.isArray(rules)) {
        const id = (rules[issue.path[1]] as { id?: unknown } | undefined)?.id;
        if (typeof id === 'string') ruleId = id;
      }
      return { ruleId, path, message: issue.message };
    });
    return { ok: false, issues };
  }
  const issues: PolicyIssue[] = [];
  const rules = compileRules(parsed.data.rules, issues);
  if (issues.length) return { ok: false, issues };
  const compiled: CompiledPolicy = { version: parsed.data.version, defaultVerdict: parsed.data.defaultVerdict, rules };
  madeHere.add(compiled);
  return { ok: true, policy: parsed.data, compiled };
}

const cache = new WeakMap<object, CompiledPolicy>();
/** Compiled policies this module built: only these skip validation (a look-alike object does not). */
const madeHere = new WeakSet<CompiledPolicy>();

/** True for a CompiledPolicy that validatePolicy / compilePolicy returned. */
export function isCompiledPolicy(value: unknown): value is CompiledPolicy {
  return typeof value === 'object' && value !== null && madeHere.has(value as CompiledPolicy);
}

/**
 * Compile an already-typed policy (document or bundle). Throws `PolicyError` listing every
 * issue. Cached per rules array, so evaluating many actions against one policy parses once.
 */
export function compilePolicy(policy: PolicyLike): CompiledPolicy {
  if (typeof policy !== 'object' || policy === null)
    throw new PolicyError([{ ruleId: null, path: '', message: 'expected a policy object' }]);
  const hit = typeof policy.rules === 'object' && policy.rules !== null ? cache.get(policy.rules) : undefined;
  if (hit && hit.version === policy.version && hit.defaultVerdict === policy.defaultVerdict) return hit;
  const result = validatePolicy({
    version: policy.version,
    defaultVerdict: policy.defaultVerdict,
    rules: policy.rules,
  });
  if (!result.ok) throw new PolicyError(result.issues);
  cache.set(policy.rules, result.compiled);
  return result.compiled;
}
