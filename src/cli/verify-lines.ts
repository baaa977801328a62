/**
 * `heso verify` input: one receipt or JSON Lines (one receipt per line, as `heso receipts
 * export` writes them), from a file or standard input, and the per-receipt report for JSON Lines.
 */
import { readFileSync, statSync } from 'node:fs';
import { nodeVerify } from '../core/ed25519-node.ts';
import type { TrustSet, VerifyResult } from '../core/index.ts';
import {
  isJsonLines,
  type LineReport,
  summaryOf,
  verifyReceiptLines,
  verifyReceiptText,
} from '../core/receipt-text.ts';
import { jsonForTerminal, terminalSafe } from '../core/terminal-text.ts';

/** Largest input: a JSON Lines export of many receipts (each line is still held to the one-receipt limit). */
const MAX_INPUT_BYTES = 256 * 1024 * 1024;

/** The text of `file`, or of standard input for `-`; `usage` builds the error for a missing or oversized input. */
export async function readReceiptInput(file: string, usage: (message: string) => Error): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_INPUT_BYTES) throw usage(`standard input: more than ${MAX_INPUT_BYTES} bytes`);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw usage(`receipt ${file}: cannot read it (does the file exist?)`);
  }
  if (size > MAX_INPUT_BYTES) throw usage(`receipt ${file}: ${size} bytes is more than ${MAX_INPUT_BYTES}`);
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw usage(`receipt ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

export { isJsonLines };

/** Verifies one receipt's JSON text with node:crypto; unreadable JSON is an invalid receipt, not a crash. */
export function verifyText(text: string, what: string, trust: TrustSet): { receipt: unknown; result: VerifyResult } {
  return verifyReceiptText(text, what, trust, nodeVerify);
}

function humanLine(r: LineReport): string {
  const how =
    r.claimedVerdict && r.claimedVerdict !== r.verdict ? ` (${r.claimedVerdict} → ${r.decision ?? 'reverified'})` : '';
  const head = `line ${String(r.line).padEnd(5)} ${r.valid ? '✔ valid  ' : '✖ INVALID'}  ${r.verdict.padEnd(7)}${how}  ${r.receiptId ?? '(unreadable)'}${r.tool ? `  ${r.tool}` : ''}`;
  return [head, ...(r.valid ? [] : r.reasons.map((reason) => `    ✖ ${reason.code}: ${reason.message}`))].join('\n');
}

/** Verifies every line, prints one report per receipt and a summary; exit 0 only when every receipt is valid. */
export function verifyLines(file: string, text: string, trust: TrustSet, json: boolean): number {
  const reports = verifyReceiptLines(text, trust, nodeVerify);
  const summary = summaryOf(reports);
  const ok = summary.receipts > 0 && summary.invalid === 0;
  if (json) {
    process.stdout.write(`${jsonForTerminal({ file, ok, summary, receipts: reports }, 2)}\n`);
    return ok ? 0 : 1;
  }
  const out = [`receipts  ${file === '-' ? 'standard input' : file} (JSON Lines)`, ...reports.map(humanLine)];
  out.push(
    summary.receipts === 0
      ? 'result    ✖ no receipts to verify'
      : `result    ${ok ? '✔' : '✖'} ${summary.valid} of ${summary.receipts} valid (${summary.allowed} allowed, ${summary.blocked} blocked, ${summary.suspended} suspended)${summary.invalid ? `, ${summary.invalid} INVALID` : ''}`,
  );
  // Receipt ids, tools and reasons come from the input: nothing reaches the terminal raw.
  process.stdout.write(terminalSafe(`${out.join('\n')}\n`));
  return ok ? 0 : 1;
}
