/**
 * RFC 8785 JSON Canonicalization Scheme (JCS): the exact bytes every signature covers.
 *
 * JCS is defined in terms of ECMAScript's own JSON serialisation, so this is short:
 * object keys sorted by UTF-16 code units (JavaScript's default string order), numbers
 * as `Number.prototype.toString` prints them, strings escaped as `JSON.stringify` does,
 * no whitespace. On top of the RFC we refuse, with the path of the offending value,
 * everything that would make two parties disagree about the bytes: NaN/±Infinity,
 * integers beyond ±(2^53−1) (other languages parse them to a different value), lone
 * surrogates (not Unicode), and values JSON has no spelling for.
 */

export class CanonicalJsonError extends Error {
  override name = 'CanonicalJsonError';
  constructor(
    /** Where the offending value is, e.g. `$.action.params.amount`. */
    readonly path: string,
    problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

export interface CanonicalizeOptions {
  /**
   * Refuse integers outside ±(2^53−1). On (the default) for everything HESO signs; off only
   * to reproduce RFC 8785's own examples, which contain values like 1e30.
   */
  safeIntegersOnly?: boolean;
  /**
   * A member already canonicalised by the caller (`text` must be `canonicalize(value)` under
   * the same options): spliced in as is instead of walked again. A verifier hashes the
   * action and then signs over the statement that holds it; this spares the second walk.
   */
  reuse?: { value: object; text: string };
}

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Deepest nesting canonicalize accepts (objects and arrays; the top-level value is depth 0).
 * Far beyond anything HESO signs (params are capped at 16), and far below the depth at which
 * recursion would overflow the stack, so hostile input gets this error instead of a RangeError.
 */
export const MAX_CANONICAL_DEPTH = 256;

/** JCS number serialisation (RFC 8785 §3.2.2.3). `-0` becomes `0`; NaN and ±Infinity are refused. */
export function serializeJcsNumber(value: number, path = '$'): string {
  if (!Number.isFinite(value)) throw new CanonicalJsonError(path, `${value} is not representable in JSON`);
  // Number.prototype.toString is the exact algorithm RFC 8785 specifies; String(-0) === '0'.
  return String(value);
}

function serializeString(value: string, path: string): string {
  if (LONE_SURROGATE.test(value)) throw new CanonicalJsonError(path, 'string contains a lone surrogate (not Unicode)');
  return JSON.stringify(value);
}

function whyNotJson(value: unknown): string {
  if (value === undefined) return 'undefined is not a JSON value';
  if (typeof value === 'bigint') return 'bigint is not a JSON value (use a string)';
  if (typeof value === 'function') return 'a function is not a JSON value';
  if (typeof value === 'symbol') return 'a symbol is not a JSON value';
  return `${Object.prototype.toString.call(value)} is not a plain JSON object`;
}

function childPath(path: string, key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/**
 * Where a value sits, as a chain built while descending; spelled out (`$.a[0].b`) only when
 * an error names it. A value's place is its parent's node plus its key, passed separately so
 * that a node is allocated per object or array entered, not per member: verifiers
 * canonicalise every statement they check, and this walk is most of a check's cost besides
 * the signature itself.
 */
type PathNode = { parent: PathNode; key: string | number } | null;

function pathText(node: PathNode): string {
  if (node === null) return '$';
  const parent = pathText(node.parent);
  return typeof node.key === 'number' ? `${parent}[${node.key}]` : childPath(parent, node.key);
}

/** The node of the value at `key` under `parent` (the root when key is undefined). */
function nodeOf(parent: PathNode, key: string | number | undefined): PathNode {
  return key === undefined ? parent : { parent, key };
}

interface Walk {
  opts: { safeIntegersOnly: boolean };
  reuse: CanonicalizeOptions['reuse'];
  /** The objects and arrays being serialised, outermost first: a value met again inside itself is a cycle. */
  ancestors: object[];
}

function serialize(value: unknown, parent: PathNode, key: string | number | undefined, walk: Walk): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (walk.opts.safeIntegersOnly && Number.isInteger(value) && !Number.isSafeInteger(value)) {
        const where = pathText(nodeOf(parent, key));
        throw new CanonicalJsonError(where, `integer ${value} is outside ±(2^53−1); send it as a string`);
      }
      return Number.isFinite(value) ? String(value) : serializeJcsNumber(value, pathText(nodeOf(parent, key)));
    case 'string':
      if (LONE_SURROGATE.test(value)) return serializeString(value, pathText(nodeOf(parent, key)));
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new CanonicalJsonError(pathText(nodeOf(parent, key)), whyNotJson(value));
  }
  if (value === walk.reuse?.value) return walk.reuse.text;
  const path = nodeOf(parent, key);
  const { ancestors } = walk;
  if (ancestors.includes(value)) throw new CanonicalJsonError(pathText(path), 'circular reference');
  if (ancestors.length >= MAX_CANONICAL_DEPTH)
    throw new CanonicalJsonError(pathText(path), `nested deeper than ${MAX_CANONICAL_DEPTH} levels`);
  ancestors.push(value);
  const text = Array.isArray(value) ? serializeArray(value, path, walk) : serializeObject(value, path, walk);
  ancestors.pop();
  return text;
}

function serializeArray(value: unknown[], path: PathNode, walk: Walk): string {
  let out = '[';
  for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + serialize(value[i], path, i, walk);
  return `${out}]`;
}

function serializeObject(value: object, path: PathNode, walk: Walk): string {
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw new CanonicalJsonError(pathText(path), whyNotJson(value));
  if (Object.getOwnPropertySymbols(value).length > 0) {
    throw new CanonicalJsonError(pathText(path), 'object has symbol keys, which JSON cannot represent');
  }
  // Default sort compares UTF-16 code units, which is exactly RFC 8785 §3.2.3.
  const keys = Object.keys(value).sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (LONE_SURROGATE.test(key))
      throw new CanonicalJsonError(pathText({ parent: path, key }), 'key contains a lone surrogate');
    const member = serialize((value as Record<string, unknown>)[key], path, key, walk);
    out += `${i === 0 ? '' : ','}${JSON.stringify(key)}:${member}`;
  }
  return `${out}}`;
}

/** The RFC 8785 canonical JSON text of `value`. Throws CanonicalJsonError naming the path of a bad value. */
export function canonicalize(value: unknown, options: CanonicalizeOptions = {}): string {
  const opts = { safeIntegersOnly: options.safeIntegersOnly ?? true };
  return serialize(value, null, undefined, { opts, reuse: options.reuse, ancestors: [] });
}

const encoder = new TextEncoder();

/** UTF-8 bytes of `canonicalize(value)`: what is hashed and signed. */
export function canonicalBytes(value: unknown, options: CanonicalizeOptions = {}): Uint8Array {
  return encoder.encode(canonicalize(value, options));
}
