/**
 * Showing untrusted text (action params, summaries, reasons) without letting it lie.
 *
 * An agent controls every string in an action. Control characters could move the
 * terminal cursor or rewrite earlier lines; bidirectional overrides (U+202E…) can make
 * `transfer 10 to evil` read as something else; zero-width characters hide differences.
 * So every such character is shown as a visible escape (`\u202E`, `\n`, `\x1b`) and a
 * literal backslash is doubled, so the escaped form is unambiguous. The CLI and the
 * React UI use the same functions, so both show exactly the same text.
 *
 * Pure functions, no Node APIs: safe to import from the renderer.
 */

import type { PendingItem, ReviewedItem } from './api.ts';

/** Characters never rendered as themselves: C0/C1 controls, DEL, bidi controls, invisible formatting. */
const HIDDEN =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: we test one code point at a time, combining marks included
  /[\u0000-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb]|\p{Cs}|[\u{1bca0}-\u{1bca3}\u{1d173}-\u{1d17a}\u{e0000}-\u{e007f}\u{e0100}-\u{e01ef}]/u;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f', '\v': '\\v' };

/** Bidirectional-override and isolate characters, the ones that reorder what you read. */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

function escapeChar(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const cp = ch.codePointAt(0) ?? 0;
  if (cp <= 0xff) return `\\x${cp.toString(16).padStart(2, '0')}`;
  if (cp <= 0xffff) return `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  return `\\u{${cp.toString(16).toUpperCase()}}`;
}

/**
 * Untrusted text made safe to print or render: hidden characters become visible escapes,
 * backslashes are doubled. Printable text (including non-Latin scripts and emoji) is kept.
 */
export function escapeUntrusted(text: string): string {
  let out = '';
  for (const ch of text) {
    if (ch === '\\') out += '\\\\';
    else if (HIDDEN.test(ch)) out += escapeChar(ch);
    else out += ch;
  }
  return out;
}

/** True when the text contains anything `escapeUntrusted` would escape (other than a backslash). */
export function hasHiddenCharacters(text: string): boolean {
  return HIDDEN.test(text);
}

/** True when the text contains a bidirectional override or isolate: worth a visible warning. */
export function hasBidiControls(text: string): boolean {
  return BIDI.test(text);
}

export interface DisplayLine {
  /** Dotted path, e.g. `params.recipient.iban`; keys are escaped too. */
  path: string;
  /** The value as shown: strings JSON-quoted after escaping, numbers / booleans / null as JSON. */
  value: string;
  /** The original string value contained hidden characters (now escaped). */
  suspicious: boolean;
}

/**
 * Every leaf of a JSON value as one line each, so nothing is hidden in a collapsed tree.
 * Empty objects and arrays are shown as `{}` / `[]`.
 */
export function flattenForDisplay(value: unknown, prefix = ''): DisplayLine[] {
  const lines: DisplayLine[] = [];
  const visit = (v: unknown, path: string): void => {
    if (Array.isArray(v)) {
      if (v.length === 0) lines.push({ path, value: '[]', suspicious: false });
      v.forEach((item, i) => {
        visit(item, `${path}[${i}]`);
      });
      return;
    }
    if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v as Record<string, unknown>).sort();
      if (keys.length === 0) lines.push({ path, value: '{}', suspicious: false });
      for (const key of keys) {
        const shownKey = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : `[${quote(key)}]`;
        const sep = shownKey.startsWith('[') || path === '' ? '' : '.';
        visit((v as Record<string, unknown>)[key], `${path}${sep}${shownKey}`);
        if (hasHiddenCharacters(key)) {
          const last = lines[lines.length - 1];
          if (last) last.suspicious = true;
        }
      }
      return;
    }
    if (typeof v === 'string') {
      lines.push({ path, value: quote(v), suspicious: hasHiddenCharacters(v) });
      return;
    }
    lines.push({ path, value: v === undefined ? 'undefined' : JSON.stringify(v), suspicious: false });
  };
  visit(value, prefix);
  return lines;
}

/** A string as a double-quoted literal with hidden characters escaped. */
export function quote(text: string): string {
  return `"${escapeUntrusted(text).replace(/"/g, '\\"')}"`;
}

/**
 * JSON text whose hidden characters (controls, bidi overrides, zero-width…) are written as
 * `\uXXXX` escapes. Same JSON value, but printing it to a terminal cannot reorder or hide text.
 */
export function jsonForTerminal(value: unknown, indent?: number): string {
  const text = JSON.stringify(value, null, indent) ?? 'null';
  let out = '';
  for (const ch of text) {
    if (ch !== '\n' && ch !== ' ' && HIDDEN.test(ch)) {
      const cp = ch.codePointAt(0) ?? 0;
      if (cp > 0xffff) {
        // Astral characters become a surrogate pair of escapes.
        for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
      } else out += `\\u${cp.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return out;
}

/** The fields of `item` that a decision binds, captured when the person starts to decide. */
export function reviewedOf(item: Pick<PendingItem, 'approval'>): ReviewedItem {
  const { approval } = item;
  const { statement } = approval.receipt;
  return {
    approvalId: approval.id,
    teamId: approval.teamId,
    receiptId: statement.receiptId,
    actionHash: statement.actionHash,
    operatorKeyId: statement.operatorKeyId,
    policyVersion: statement.policy.version,
    ruleId: statement.policy.ruleId,
    challenge: approval.challenge,
    expiresAt: approval.expiresAt,
  };
}

/** True when `item` still carries exactly what was reviewed (every bound field, byte for byte). */
export function isSameReviewed(a: ReviewedItem, b: ReviewedItem): boolean {
  return (
    (Object.keys(a) as (keyof ReviewedItem)[]).every((k) => a[k] === b[k]) &&
    Object.keys(a).length === Object.keys(b).length
  );
}
