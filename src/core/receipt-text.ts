/**
 * Receipts as text, read the same way by every verifier front end (`heso verify`, the
 * verifier page): one receipt (JSON), or many as JSON Lines (one receipt per line, as
 * `heso receipts export` writes them). Unreadable JSON is an invalid receipt, never a crash.
 * Browser-safe.
 */
import type { Ed25519Verify } from './crypto.ts';
import type { TrustSet } from './schemas.ts';
import { parseJsonText, ValidationError } from './validate.ts';
import { type VerifyResult, verifyReceipt } from './verify.ts';

export interface TextLine {
  /** 1-based line number in the input. */
  line: number;
  text: string;
}

export const nonEmptyLines = (text: string): TextLine[] =>
  text
    .split(/\r?\n/)
    .map((line, i) => ({ line: i + 1, text: line.trim() }))
    .filter((l) => l.text !== '');

/** A `.jsonl`/`.ndjson` file, or text whose first line is a whole JSON value and more lines follow. */
export function isJsonLines(name: string, text: string): boolean {
  if (/\.(jsonl|ndjson)$/i.test(name)) return true;
  const lines = nonEmptyLines(text);
  if (lines.length < 2) return false;
  try {
    JSON.parse(lines[0]!.text);
    return true;
  } catch {
    return false; // a pretty-printed single receipt
  }
}

/** Verifies one receipt's JSON text; `what` names it in reasons. */
export function verifyReceiptText(
  text: string,
  what: string,
  trust: TrustSet,
  verify?: Ed25519Verify,
): { receipt: unknown; result: VerifyResult } {
  try {
    const receipt = parseJsonText(text, what);
    return { receipt, result: verifyReceipt(receipt, trust, verify ? { verify } : {}) };
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return {
      receipt: null,
      result: {
        ok: false,
        valid: false,
        verdict: 'block',
        claimedVerdict: null,
        reasons: [{ code: 'malformed', message: err.message, field: what }],
        operatorKeyId: null,
        approverKeyId: null,
        decision: null,
      },
    };
  }
}

/** One JSON Lines receipt's result, with what identifies it. */
export interface LineReport extends VerifyResult {
  line: number;
  receiptId: string | null;
  tool: string | null;
}

/** Verifies every non-empty line as one receipt. */
export function verifyReceiptLines(text: string, trust: TrustSet, verify?: Ed25519Verify): LineReport[] {
  return nonEmptyLines(text).map(({ line, text: lineText }) => {
    const { receipt, result } = verifyReceiptText(lineText, `line ${line}`, trust, verify);
    const st = (receipt as { statement?: { receiptId?: unknown; action?: { tool?: unknown } } } | null)?.statement;
    return {
      line,
      receiptId: typeof st?.receiptId === 'string' ? st.receiptId : null,
      tool: typeof st?.action?.tool === 'string' ? st.action.tool : null,
      ...result,
    };
  });
}

export interface LinesSummary {
  receipts: number;
  valid: number;
  invalid: number;
  allowed: number;
  blocked: number;
  suspended: number;
}

export function summaryOf(reports: readonly VerifyResult[]): LinesSummary {
  const valid = reports.filter((r) => r.valid);
  return {
    receipts: reports.length,
    valid: valid.length,
    invalid: reports.length - valid.length,
    allowed: valid.filter((r) => r.verdict === 'allow').length,
    blocked: valid.filter((r) => r.verdict === 'block').length,
    suspended: valid.filter((r) => r.verdict === 'suspend').length,
  };
}
