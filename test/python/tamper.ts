/**
 * Tampering a receipt leaf by leaf, for the parity tests: each leaf changed so that only
 * cryptography catches it, and changed so that its shape breaks.
 */
import { b64url, fromHex, publicKeyFromSecret } from '../../src/core/index.ts';
import type { PyCase } from './support.ts';

/** A key no trust set in these tests pins. */
export const strangerKey = b64url.encode(publicKeyFromSecret(fromHex('99'.repeat(32))));

export function leaves(value: unknown, path: string[], out: string[][]): string[][] {
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) leaves(v, [...path, k], out);
  } else out.push(path);
  return out;
}

export function setAt(target: unknown, path: string[], value: unknown, remove = false): void {
  let node = target as Record<string, unknown>;
  for (const part of path.slice(0, -1)) node = node[part] as Record<string, unknown>;
  if (remove) delete node[path.at(-1)!];
  else node[path.at(-1)!] = value;
}

/** Several tamperings of one leaf: same shape (only cryptography catches it) and broken shape. */
export function variants(value: unknown): { label: string; value?: unknown; remove?: boolean }[] {
  const out: { label: string; value?: unknown; remove?: boolean }[] = [{ label: 'removed', remove: true }];
  out.push({ label: 'null', value: null }, { label: 'number', value: 7 });
  if (typeof value === 'string') {
    out.push({ label: 'appended', value: `${value}x` });
    if (value.length > 1)
      out.push({ label: 'last char changed', value: `${value.slice(0, -1)}${value.endsWith('A') ? 'B' : 'A'}` });
    if (/^\d{4}-/.test(value))
      out.push({ label: 'a second later', value: new Date(Date.parse(value) + 1000).toISOString() });
    if (value.length === 43) out.push({ label: 'stranger key', value: strangerKey });
  }
  if (typeof value === 'number') out.push({ label: 'plus one', value: value + 0.5 });
  return out;
}

/** Every leaf of `receipt` tampered every way `variants` knows, each verified against `trust`. */
export function leafTampers(receipt: unknown, trust: unknown): { name: string; case: PyCase }[] {
  const cases: { name: string; case: PyCase }[] = [];
  for (const path of leaves(receipt, [], [])) {
    for (const v of variants(path.reduce<unknown>((n, k) => (n as Record<string, unknown>)[k], receipt))) {
      const tampered = structuredClone(receipt);
      setAt(tampered, path, v.value, v.remove);
      // Through JSON, as a receipt file reaches either verifier (an array hole becomes null).
      cases.push({
        name: `${path.join('.')}: ${v.label}`,
        case: { receipt: JSON.parse(JSON.stringify(tampered)), trust },
      });
    }
  }
  return cases;
}
