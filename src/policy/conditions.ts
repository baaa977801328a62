/**
 * The condition grammar of the policy language (docs/policy.md): one condition per
 * string, e.g. `amount > 100`, `currency == "EUR"`, `region in ["eu", "us"]`,
 * `to endsWith "@example.com"`, `exists dryRun`, `not exists approvedBy`.
 *
 * Parsing is strict and total: every string either becomes a `Condition` or a
 * `ConditionSyntaxError` that says where and what was expected. Evaluation never throws
 * and never coerces types: a comparison whose value is missing or of the wrong type is
 * false. Runs in Node and in the browser (no node: imports).
 */
import type { JsonValue } from '../core/schemas.ts';

export type Scalar = string | number | boolean | null;

export type CompareOp = '==' | '!=' | '>' | '>=' | '<' | '<=';
export type TextOp = 'startsWith' | 'endsWith';

export type Condition =
  | { kind: 'compare'; path: string[]; op: CompareOp; value: Scalar }
  | { kind: 'text'; path: string[]; op: TextOp; value: string }
  | { kind: 'contains'; path: string[]; value: Scalar }
  | { kind: 'in'; path: string[]; values: Scalar[]; negated: boolean }
  | { kind: 'exists'; path: string[] }
  | { kind: 'not'; inner: Condition };

export class ConditionSyntaxError extends Error {
  /** 1-based column in the condition string where the problem is. */
  readonly column: number;
  constructor(message: string, column: number) {
    super(`${message} (at column ${column})`);
    this.name = 'ConditionSyntaxError';
    this.column = column;
  }
}

/* ---------------------------------------------------------------------------------- tokens */

type Token =
  | { t: 'word'; v: string; at: number }
  | { t: 'op'; v: CompareOp; at: number }
  | { t: 'literal'; v: Scalar; at: number }
  | { t: 'punct'; v: '[' | ']' | ','; at: number };

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/;
const WORD = /^[A-Za-z_$][A-Za-z0-9_$-]*(?:\.(?:[A-Za-z_$][A-Za-z0-9_$-]*|\d+))*/;

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    const at = i + 1;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '[' || c === ']' || c === ',') {
      tokens.push({ t: 'punct', v: c, at });
      i++;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '==' || two === '!=' || two === '>=' || two === '<=') {
      tokens.push({ t: 'op', v: two, at });
      i += 2;
      continue;
    }
    if (c === '>' || c === '<') {
      tokens.push({ t: 'op', v: c, at });
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const { value, end } = readString(src, i);
      tokens.push({ t: 'literal', v: value, at });
      i = end;
      continue;
    }
    const rest = src.slice(i);
    const num = NUMBER.exec(rest);
    if (num && (c === '-' || (c >= '0' && c <= '9'))) {
      const value = Number(num[0]);
      if (!Number.isFinite(value)) throw new ConditionSyntaxError(`number ${num[0]} is out of range`, at);
      tokens.push({ t: 'literal', v: value, at });
      i += num[0].length;
      continue;
    }
    const word = WORD.exec(rest);
    if (word) {
      const w = word[0];
      if (w === 'true' || w === 'false') tokens.push({ t: 'literal', v: w === 'true', at });
      else if (w === 'null') tokens.push({ t: 'literal', v: null, at });
      else tokens.push({ t: 'word', v: w, at });
      i += w.length;
      continue;
    }
    if (c === '=') throw new ConditionSyntaxError('"=" is not an operator; use "==" to compare', at);
    throw new ConditionSyntaxError(`unexpected character ${JSON.stringify(c)}`, at);
  }
  return tokens;
}

/** A double-quoted JSON string, or a single-quoted string with the same escapes. */
function readString(src: string, start: number): { value: string; end: number } {
  const quote = src[start]!;
  let i = start + 1;
  let out = '';
  while (i < src.length) {
    const c = src[i]!;
    if (c === quote) return { value: out, end: i + 1 };
    if (c === '\\') {
      const n = src[i + 1];
      const simple: Record<string, string> = { '"': '"', "'": "'", '\\': '\\', '/': '/', n: '\n', t: '\t', r: '\r' };
      if (n !== undefined && n in simple) {
        out += simple[n];
        i += 2;
        continue;
      }
      if (n === 'u' && /^[0-9a-fA-F]{4}$/.test(src.slice(i + 2, i + 6))) {
        out += String.fromCharCode(Number.parseInt(src.slice(i + 2, i + 6), 16));
        i += 6;
        continue;
      }
      throw new ConditionSyntaxError('unknown escape in string', i + 1);
    }
    out += c;
    i++;
  }
  throw new ConditionSyntaxError(`string is not closed; add the closing ${quote}`, start + 1);
}

/* ---------------------------------------------------------------------------------- parser */

const TEXT_OPS: readonly string[] = ['startsWith', 'endsWith', 'contains'];

/** Parse one condition string. Throws `ConditionSyntaxError` naming the column and what was expected. */
export function parseCondition(src: string): Condition {
  if (src.trim() === '') throw new ConditionSyntaxError('condition is empty', 1);
  const tokens = tokenize(src);
  let pos = 0;
  const end = src.length + 1;
  const peek = () => tokens[pos];
  const next = () => tokens[pos++];
  const where = () => peek()?.at ?? end;

  const expectPath = (what: string): string[] => {
    const tok = next();
    if (tok?.t !== 'word') throw new ConditionSyntaxError(`expected ${what}`, tok?.at ?? end);
    return tok.v.split('.');
  };
  const expectLiteral = (): Scalar => {
    const tok = next();
    if (tok?.t !== 'literal') {
      const hint = tok?.t === 'word' ? `; put text in quotes: "${tok.v}"` : '';
      throw new ConditionSyntaxError(`expected a value (number, "string", true, false or null)${hint}`, tok?.at ?? end);
    }
    return tok.v;
  };
  const expectList = (): Scalar[] => {
    const open = next();
    if (open?.t !== 'punct' || open.v !== '[')
      throw new ConditionSyntaxError('expected a list such as ["eu", "us"]', open?.at ?? end);
    const values: Scalar[] = [];
    if (peek()?.t === 'punct' && peek()?.v === ']') {
      next();
      return values;
    }
    for (;;) {
      values.push(expectLiteral());
      const sep = next();
      if (sep?.t === 'punct' && sep.v === ']') return values;
      if (!(sep?.t === 'punct' && sep.v === ','))
        throw new ConditionSyntaxError('expected "," or "]" in the list', sep?.at ?? end);
    }
  };

  const parse = (): Condition => {
    // A run of "not"s is read in a loop (no recursion, so no stack overflow however long) and
    // reduced by parity: "not not X" is X, exactly as evaluation would read it.
    let negations = 0;
    while (peek()?.t === 'word' && peek()?.v === 'not') {
      next();
      negations++;
    }
    if (negations > 0) {
      const inner = parse();
      return negations % 2 === 1 ? { kind: 'not', inner } : inner;
    }
    const first = peek();
    if (first?.t === 'word' && first.v === 'exists') {
      next();
      return { kind: 'exists', path: expectPath('a parameter path after "exists", e.g. exists dryRun') };
    }
    const path = expectPath('a parameter path, e.g. amount or customer.region');
    const op = next();
    if (!op) throw new ConditionSyntaxError('expected an operator (==, !=, >, >=, <, <=, in, startsWith, …)', end);
    if (op.t === 'op') {
      const value = expectLiteral();
      if (op.v !== '==' && op.v !== '!=' && typeof value !== 'number' && typeof value !== 'string')
        throw new ConditionSyntaxError(`"${op.v}" compares numbers or strings, not ${JSON.stringify(value)}`, op.at);
      return { kind: 'compare', path, op: op.v, value };
    }
    if (op.t === 'word' && op.v === 'in') return { kind: 'in', path, values: expectList(), negated: false };
    if (op.t === 'word' && op.v === 'not') {
      const inTok = next();
      if (!(inTok?.t === 'word' && inTok.v === 'in'))
        throw new ConditionSyntaxError(
          'expected "in" after "not"; to negate a whole condition, start it with "not"',
          inTok?.at ?? end,
        );
      return { kind: 'in', path, values: expectList(), negated: true };
    }
    if (op.t === 'word' && TEXT_OPS.includes(op.v)) {
      const valueAt = where();
      const value = expectLiteral();
      if (op.v === 'contains') return { kind: 'contains', path, value };
      if (typeof value !== 'string') throw new ConditionSyntaxError(`"${op.v}" needs a "string" value`, valueAt);
      return { kind: 'text', path, op: op.v as TextOp, value };
    }
    const shown = op.t === 'literal' ? JSON.stringify(op.v) : String(op.v);
    throw new ConditionSyntaxError(
      `unknown operator ${JSON.stringify(shown)}; use ==, !=, >, >=, <, <=, in, not in, startsWith, endsWith or contains`,
      op.at,
    );
  };

  const condition = parse();
  const extra = peek();
  if (extra)
    throw new ConditionSyntaxError('unexpected text after the condition; write one condition per string', extra.at);
  return condition;
}

/* ---------------------------------------------------------------------------------- evaluation */

/** Follow a dotted path through own properties only (never the prototype chain). */
export function resolvePath(root: JsonValue, path: readonly string[]): JsonValue | undefined {
  let cur: JsonValue | undefined = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(seg)) return undefined;
      cur = cur[Number(seg)];
    } else {
      if (!Object.hasOwn(cur, seg)) return undefined;
      cur = cur[seg];
    }
  }
  return cur;
}

const isScalar = (v: JsonValue | undefined): v is Scalar =>
  v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

function compare(actual: JsonValue | undefined, op: CompareOp, expected: Scalar): boolean {
  if (actual === undefined) return false;
  switch (op) {
    case '==':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case '>':
    case '>=':
    case '<':
    case '<=': {
      const comparable =
        (typeof actual === 'number' && typeof expected === 'number') ||
        (typeof actual === 'string' && typeof expected === 'string');
      if (!comparable) return false;
      const a = actual as number | string;
      const e = expected as number | string;
      if (op === '>') return a > e;
      if (op === '>=') return a >= e;
      if (op === '<') return a < e;
      return a <= e;
    }
    default: {
      const unreachable: never = op;
      return unreachable;
    }
  }
}

/** True when the condition holds for these params. Never throws, never coerces. */
export function testCondition(condition: Condition, params: JsonValue): boolean {
  switch (condition.kind) {
    case 'not':
      return !testCondition(condition.inner, params);
    case 'exists': {
      const v = resolvePath(params, condition.path);
      return v !== undefined && v !== null;
    }
    case 'compare':
      return compare(resolvePath(params, condition.path), condition.op, condition.value);
    case 'in': {
      const v = resolvePath(params, condition.path);
      if (v === undefined || !isScalar(v)) return false;
      const found = condition.values.includes(v);
      return condition.negated ? !found : found;
    }
    case 'text': {
      const v = resolvePath(params, condition.path);
      if (typeof v !== 'string') return false;
      return condition.op === 'startsWith' ? v.startsWith(condition.value) : v.endsWith(condition.value);
    }
    case 'contains': {
      const v = resolvePath(params, condition.path);
      if (typeof v === 'string') return typeof condition.value === 'string' && v.includes(condition.value);
      if (Array.isArray(v)) return v.some((item) => item === condition.value);
      return false;
    }
    default: {
      const unreachable: never = condition;
      return unreachable;
    }
  }
}
