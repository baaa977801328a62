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
 * an error names it. Building the text for every key cost more than the serialisation itself.
 */
type PathNode = { parent: PathNode; key: string | number } | null;

function pathText(node: PathNode): string {
  if (node === null) return '$';
  const parent = pathText(node.parent);
  return typeof node.key === 'number' ? `${parent}[${node.key}]` : childPath(parent, node.key);
}

interface Walk {
  opts: Required<CanonicalizeOptions>;
  seen: Set<object>;
}

function serialize(value: unknown, path: PathNode, walk: Walk, depth: number): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (walk.opts.safeIntegersOnly && Number.isInteger(value) && !Number.isSafeInteger(value)) {
        throw new CanonicalJsonError(pathText(path), `integer ${value} is outside ±(2^53−1); send it as a string`);
      }
      return Number.isFinite(value) ? String(value) : serializeJcsNumber(value, pathText(path));
    case 'string':
      if (LONE_SURROGATE.test(value)) return serializeString(value, pathText(path));
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new CanonicalJsonError(pathText(path), whyNotJson(value));
  }
  const { seen } = walk;
  if (seen.has(value)) throw new CanonicalJsonError(pathText(path), 'circular reference');
  if (depth >= MAX_CANONICAL_DEPTH)
    throw new CanonicalJsonError(pathText(path), `nested deeper than ${MAX_CANONICAL_DEPTH} levels`);
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      const parts: string[] = [];
      for (let i = 0; i < value.length; i++) parts.push(serialize(value[i], { parent: path, key: i }, walk, depth + 1));
      return `[${parts.join(',')}]`;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) throw new CanonicalJsonError(pathText(path), whyNotJson(value));
    if (Object.getOwnPropertySymbols(value).length > 0) {
      throw new CanonicalJsonError(pathText(path), 'object has symbol keys, which JSON cannot represent');
    }
    // Default sort compares UTF-16 code units, which is exactly RFC 8785 §3.2.3.
    const keys = Object.keys(value).sort();
    const parts: string[] = [];
    for (const key of keys) {
      const keyPath: PathNode = { parent: path, key };
      if (LONE_SURROGATE.test(key)) throw new CanonicalJsonError(pathText(keyPath), 'key contains a lone surrogate');
      const member = (value as Record<string, unknown>)[key];
      parts.push(`${JSON.stringify(key)}:${serialize(member, keyPath, walk, depth + 1)}`);
    }
    return `{${parts.join(',')}}`;
  } finally {
    seen.delete(value);
  }
}

/** The RFC 8785 canonical JSON text of `value`. Throws CanonicalJsonError naming the path of a bad value. */
export function canonicalize(value: unknown, options: CanonicalizeOptions = {}): string {
  const opts = { safeIntegersOnly: options.safeIntegersOnly ?? true };
  return serialize(value, null, { opts, seen: new Set() }, 0);
}

const encoder = new TextEncoder();

/** UTF-8 bytes of `canonicalize(value)`: what is hashed and signed. */
export function canonicalBytes(value: unknown, options: CanonicalizeOptions = {}): Uint8Array {
  return encoder.encode(canonicalize(value, options));
}
