/**
 * Validation helpers shared by server, SDK, engine and CLIs: parse against a schema from
 * schemas.ts and fail with a message that names the offending field, parse JSON text
 * with a size limit, and compare RFC 3339 timestamps exactly.
 */
import type { z } from 'zod';
import { LIMITS } from './schemas.ts';

export interface ValidationIssue {
  /** Dotted path, e.g. `receipt.statement.action.params.amount`. */
  field: string;
  message: string;
}

/** Input did not match its schema. `message` names the first bad field; `issues` lists all of them. */
export class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(
    message: string,
    readonly field: string,
    readonly issues: ValidationIssue[] = [{ field, message }],
  ) {
    super(message);
  }
}

/** `what` + zod path → `receipt.statement.action.params[0].amount`. */
export function formatPath(what: string, path: readonly PropertyKey[]): string {
  let out = what;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else {
      const key = String(part);
      out += /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${out ? '.' : ''}${key}` : `[${JSON.stringify(key)}]`;
    }
  }
  return out || 'value';
}

type Issue = z.core.$ZodIssue;

/**
 * The branch of a failed union the input was meant for: the one whose problems lie deepest,
 * never one that refuses the input's own top-level keys. Null when every branch does that
 * (the input fits no branch at all; the union's own message then stands).
 */
function intendedBranch(branches: readonly Issue[][]): Issue[] | null {
  let best: Issue[] | null = null;
  let bestDepth = -1;
  for (const issues of branches) {
    if (issues.some((i) => i.code === 'unrecognized_keys' && i.path.length === 0)) continue;
    const depth = Math.max(0, ...issues.map((i) => i.path.length));
    if (depth > bestDepth) [best, bestDepth] = [issues, depth];
  }
  return best;
}

function collectIssues(issues: readonly Issue[], what: string, prefix: readonly PropertyKey[], out: ValidationIssue[]) {
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({ field: formatPath(what, [...path, key]), message: 'unknown field (not allowed here)' });
      }
      continue;
    }
    const branch = issue.code === 'invalid_union' ? intendedBranch(issue.errors) : null;
    if (branch) collectIssues(branch, what, path, out);
    else out.push({ field: formatPath(what, path), message: issue.message.replace(/^Invalid input: /, '') });
  }
}

/**
 * Turns zod issues into field-named messages (unknown-field issues name the field itself;
 * a failed union reports the problems of the branch the input was meant for).
 */
export function issuesOf(error: z.ZodError, what: string): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  collectIssues(error.issues, what, [], out);
  return out;
}

/** Parsed (typed) value, or a ValidationError whose message reads `field.path: what is wrong`. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = issuesOf(result.error, what);
  const first = issues[0] ?? { field: what, message: 'invalid' };
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  throw new ValidationError(`${first.field}: ${first.message}${more}`, first.field, issues);
}

/**
 * JSON.parse with a size limit and a readable error for truncated or invalid text.
 * `maxBytes` defaults to the largest request body the control plane accepts.
 */
export function parseJsonText(text: string, what: string, maxBytes: number = LIMITS.requestBytes): unknown {
  if (typeof text !== 'string') throw new ValidationError(`${what}: expected JSON text`, what);
  const size = new TextEncoder().encode(text).length;
  if (size > maxBytes) {
    throw new ValidationError(`${what}: ${size} bytes is larger than the ${maxBytes}-byte limit`, what);
  }
  if (text.trim() === '') throw new ValidationError(`${what}: is empty, expected JSON`, what);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new ValidationError(`${what}: is not valid JSON (${detail}); is the file complete?`, what);
  }
}

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/;

/**
 * Exact comparison of two RFC 3339 UTC timestamps (negative, zero, positive), keeping
 * all nine fractional digits rather than rounding to milliseconds. Returns null when
 * either is not a timestamp.
 */
export function compareTimestamps(a: string, b: string): number | null {
  const ma = TIMESTAMP.exec(a);
  const mb = TIMESTAMP.exec(b);
  if (!ma || !mb) return null;
  const sa = Date.parse(`${ma[1]}Z`);
  const sb = Date.parse(`${mb[1]}Z`);
  if (Number.isNaN(sa) || Number.isNaN(sb)) return null;
  if (sa !== sb) return sa < sb ? -1 : 1;
  const fa = (ma[2] ?? '').padEnd(9, '0');
  const fb = (mb[2] ?? '').padEnd(9, '0');
  return fa === fb ? 0 : fa < fb ? -1 : 1;
}

/** A Date as the RFC 3339 UTC timestamp form the protocol uses (millisecond precision). */
export function timestampOf(date: Date): string {
  return date.toISOString();
}
