/**
 * `heso verify RECEIPT.json --trust PUBKEY_OR_FILE ... [--operator PUBKEY_OR_FILE ...] [--json]`
 *
 * Offline: reads the receipt and the pinned keys, runs verifyReceipt, prints the
 * effective verdict and every failing reason. Exit 0 only when valid and allowed,
 * 1 when not allowed (including unreadable receipt JSON), 2 for usage errors.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { installNodeCrypto } from '../core/ed25519-node.ts';
import {
  LIMITS,
  shortCode,
  type TrustSet,
  ValidationError,
  type VerifyReason,
  type VerifyResult,
} from '../core/index.ts';
import { escapeUntrusted, formatCliFailure, jsonForTerminal, terminalSafe } from '../core/terminal-text.ts';
import { PUBLIC_KEY_PATTERN, publicKeyTextProblem, trustKeysFromText } from '../core/trust-file.ts';
import { VERIFIER_PAGE_NAME, writeVerifierPage } from './verifier-page.ts';
import { isJsonLines, readReceiptInput, verifyLines, verifyText } from './verify-lines.ts';

const HELP = `usage: heso verify RECEIPT.json|RECEIPTS.jsonl|- --trust PUBKEY_OR_FILE ... [--operator PUBKEY_OR_FILE ...] [--json]
       heso verify --page [FILE|-]

Verifies HESO receipts offline (no network, no account) and re-derives their verdicts.
One receipt (a JSON file), or many as JSON Lines (one receipt per line, as written by
\`heso receipts export\`); - reads standard input.

  --trust KEY|FILE     an approver public key (base64url, 32 bytes) whose co-signature you
                       accept, or a file: an agent's .heso/trusted-approvers.json, a JSON trust
                       set {"approverKeys": [...], "operatorKeys": [...]}, or a text file with
                       one base64url key per line (blank lines and lines starting with # are
                       ignored). Repeatable.
  --operator KEY|FILE  accept only receipts signed by this operator key (same forms). Repeatable.
                       Without it, any operator key whose signature verifies is accepted.
  --json               print the result as JSON.
  --page [FILE|-]      write the verifier page instead (default ./heso-verifier.html; - prints it):
                       one self-contained HTML file a reviewer opens in any browser, offline,
                       to verify receipts against the keys they trust. It connects nowhere.
  -h, --help           show this help.

Exit status, one receipt: 0 valid and allowed · 1 not allowed (invalid, blocked, suspended or denied).
Exit status, JSON Lines: 0 every receipt valid (whatever its verdict) · 1 any invalid, or none.
2 usage error.
`;

class UsageError extends Error {}

function readSmallFile(path: string, what: string): string {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new UsageError(`${what} ${path}: cannot read it (does the file exist?)`);
  }
  if (size > LIMITS.requestBytes) throw new UsageError(`${what} ${path}: ${size} bytes is too large for a ${what}`);
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${what} ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** Keys from one --trust/--operator value: a literal key, a JSON TrustSet file, or a text file of keys. */
function loadKeys(value: string, flag: string): { approverKeys: string[]; operatorKeys: string[] } {
  if (PUBLIC_KEY_PATTERN.test(value) && !existsSync(value)) {
    const problem = publicKeyTextProblem(value);
    if (problem) throw new UsageError(`${flag} ${value}: ${problem}`);
    return { approverKeys: [value], operatorKeys: [] };
  }
  if (!existsSync(value)) {
    throw new UsageError(`${flag} ${value}: neither a base64url public key (43 characters) nor an existing file`);
  }
  try {
    return trustKeysFromText(readSmallFile(value, `${flag} file`), value);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    throw new UsageError(`${flag} file ${err.message}`);
  }
}

function buildTrust(trustArgs: string[], operatorArgs: string[]): TrustSet {
  const approverKeys = new Set<string>();
  const operatorKeys = new Set<string>();
  for (const value of trustArgs) {
    const keys = loadKeys(value, '--trust');
    for (const k of keys.approverKeys) approverKeys.add(k);
    for (const k of keys.operatorKeys) operatorKeys.add(k);
  }
  for (const value of operatorArgs) {
    const keys = loadKeys(value, '--operator');
    // In an --operator file, a plain key list and approverKeys both mean "operator keys".
    for (const k of [...keys.approverKeys, ...keys.operatorKeys]) operatorKeys.add(k);
  }
  return operatorKeys.size > 0
    ? { approverKeys: [...approverKeys], operatorKeys: [...operatorKeys] }
    : { approverKeys: [...approverKeys] };
}

function reasonLine(r: VerifyReason): string {
  return `  ✖ ${r.code}: ${escapeUntrusted(r.message)}`;
}

function describeReceipt(receipt: unknown): string[] {
  const st = (receipt as { statement?: Record<string, unknown> } | null)?.statement;
  const action = st?.action as Record<string, unknown> | undefined;
  if (!st || !action) return [];
  // Whatever the file holds, even in a receipt that fails verification, is shown escaped.
  const field = (v: unknown) => escapeUntrusted(String(v));
  const lines = [`action    ${field(action.tool)} on ${field(action.account)} (workflow ${field(action.workflow)})`];
  if (typeof st.actionHash === 'string' && /^sha256:[0-9a-f]{64}$/.test(st.actionHash)) {
    lines.push(`code      ${shortCode(st.actionHash)}  ${st.actionHash}`);
  }
  lines.push(`team      ${field(st.teamId)}   receipt ${field(st.receiptId)}`);
  return lines;
}

function humanReport(file: string, receipt: unknown, result: VerifyResult): string {
  const lines = [`receipt   ${escapeUntrusted(file)}`, ...describeReceipt(receipt)];
  if (result.operatorKeyId) lines.push(`operator  ${result.operatorKeyId}`);
  if (result.approverKeyId)
    lines.push(`approver  ${result.approverKeyId}${result.decision ? ` (${result.decision})` : ''}`);
  const claimed =
    result.claimedVerdict && result.claimedVerdict !== result.verdict
      ? ` (operator verdict: ${result.claimedVerdict})`
      : '';
  lines.push(`verdict   ${result.verdict}${claimed}`);
  lines.push(
    result.ok
      ? 'result    ✔ VALID and ALLOWED'
      : `result    ✖ NOT ALLOWED${result.valid ? ' (valid receipt)' : ' (invalid receipt)'}`,
  );
  lines.push(...result.reasons.map(reasonLine));
  return `${lines.join('\n')}\n`;
}

export async function runVerify(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  try {
    const { values, positionals } = (() => {
      try {
        return parseArgs({
          args: argv,
          allowPositionals: true,
          options: {
            trust: { type: 'string', multiple: true },
            operator: { type: 'string', multiple: true },
            json: { type: 'boolean' },
            page: { type: 'boolean' },
            help: { type: 'boolean', short: 'h' },
          },
        });
      } catch (err) {
        throw new UsageError(err instanceof Error ? err.message : String(err));
      }
    })();
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    if (values.page) {
      if (positionals.length > 1)
        throw new UsageError('--page takes at most one output file (or - for standard output)');
      process.stdout.write(await writeVerifierPage(positionals[0] ?? VERIFIER_PAGE_NAME));
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError('give exactly one receipt file (or - for standard input)');
    const file = positionals[0]!;
    const trust = buildTrust(values.trust ?? [], values.operator ?? []);
    const text = await readReceiptInput(file, (message) => new UsageError(message));
    installNodeCrypto();
    if (isJsonLines(file, text)) return verifyLines(file, text, trust, json);
    const { receipt, result } = verifyText(text, 'receipt', trust);
    // The receipt and the file name are input: nothing in them reaches the terminal raw.
    if (json) process.stdout.write(`${jsonForTerminal({ file, ...result }, 2)}\n`);
    else process.stdout.write(terminalSafe(humanReport(file, receipt, result)));
    return result.ok ? 0 : 1;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    const failure = { code: 'usage', message: err.message };
    if (json) process.stdout.write(`${formatCliFailure('heso verify', failure, { json })}\n`);
    const hint = 'Run `heso verify --help` for usage.';
    process.stderr.write(`${formatCliFailure('heso verify', failure, { json: false, hint })}\n`);
    return 2;
  }
}
