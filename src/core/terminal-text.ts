/**
 * Text from outside (a control plane's error message, an agent's action, a file, a flag)
 * made safe to print to a terminal. Control characters could move the cursor, recolour or
 * rewrite earlier lines (ESC sequences); bidirectional overrides (U+202E…) can make
 * `transfer 10 to evil` read as something else; zero-width characters hide differences.
 * Every such character is shown as a visible escape (`\u202E`, `\n`, `\x1b`).
 *
 * One source for every HESO command line (`heso`, `heso-approver`, `heso-cloud`) and for
 * the approver UI (re-exported by `src/approver/display.ts`). Pure: no Node APIs.
 */

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

/**
 * A final pass over text that is already composed for the terminal (it may hold line
 * breaks of ours): every hidden character except the line break becomes a visible escape.
 * Backslashes are not doubled, so text already passed through `escapeUntrusted` is
 * unchanged. Every CLI's output writer applies it, so a value someone forgot to escape
 * still cannot reach the terminal raw.
 */
export function terminalSafe(text: string): string {
  let out = '';
  for (const ch of text) out += ch !== '\n' && HIDDEN.test(ch) ? escapeChar(ch) : ch;
  return out;
}

export interface CliFailure {
  /** Machine-readable, e.g. `usage`, `api_key_rejected`. */
  code: string;
  /** What happened and what to do; may quote a server or an input, so it is escaped here. */
  message: string;
}

/**
 * The one way every HESO command line reports a failure. `--json`: one document
 * `{ ok: false, error: { code, message } }` for stdout; otherwise `program: message` (plus
 * an optional hint line of ours) for stderr. Without the final line break. The message is escaped like `show` escapes an
 * action, line breaks included, so a hostile message cannot fake further lines of output.
 */
export function formatCliFailure(program: string, failure: CliFailure, opts: { json: boolean; hint?: string }): string {
  if (opts.json) return jsonForTerminal({ ok: false, error: { code: failure.code, message: failure.message } });
  const hint = opts.hint === undefined ? '' : `\n${terminalSafe(opts.hint)}`;
  return `${program}: ${escapeUntrusted(failure.message)}${hint}`;
}
