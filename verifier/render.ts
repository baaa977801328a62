/**
 * The verdict as DOM. Everything shown comes from the input (a receipt someone handed the
 * reviewer), so it is only ever set as text, never parsed as HTML.
 */
import { type LineReport, type LinesSummary, shortCode, type VerifyResult } from '../src/core/index.ts';

type Child = Node | string;

export function el(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children) node.append(child); // strings become text nodes
  return node;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));

function headline(result: VerifyResult): HTMLElement {
  if (result.ok) return el('p', { class: 'verdict ok', 'data-testid': 'verdict' }, '✔ VALID and ALLOWED');
  if (result.valid)
    return el('p', { class: 'verdict not-allowed', 'data-testid': 'verdict' }, '✖ NOT ALLOWED (valid receipt)');
  return el('p', { class: 'verdict invalid', 'data-testid': 'verdict' }, '✖ INVALID receipt: do not rely on it');
}

export function reasonList(result: VerifyResult): HTMLElement {
  return el(
    'ul',
    { class: 'reasons', 'data-testid': 'reasons' },
    ...result.reasons.map((r) => el('li', { 'data-code': r.code }, el('code', {}, r.code), ': ', r.message)),
  );
}

function statementOf(receipt: unknown): Record<string, unknown> | null {
  const st = (receipt as { statement?: unknown } | null)?.statement;
  return typeof st === 'object' && st !== null ? (st as Record<string, unknown>) : null;
}

function actionRows(st: Record<string, unknown>): [string, Child][] {
  const action = (typeof st.action === 'object' && st.action !== null ? st.action : {}) as Record<string, unknown>;
  const rows: [string, Child][] = [
    ['tool', text(action.tool)],
    ['account', text(action.account)],
    ['workflow', text(action.workflow)],
    ['parameters', el('pre', { 'data-testid': 'params' }, JSON.stringify(action.params ?? null, null, 2))],
  ];
  if (typeof st.actionHash === 'string' && /^sha256:[0-9a-f]{64}$/.test(st.actionHash))
    rows.push(['confirmation code', `${shortCode(st.actionHash)}  (${st.actionHash})`]);
  rows.push(['team', text(st.teamId)], ['receipt', text(st.receiptId)], ['captured', text(action.capturedAt)]);
  return rows;
}

/** One receipt: the verdict, the action it is about, who signed, and every reason it is not allowed. */
export function renderOne(receipt: unknown, result: VerifyResult): HTMLElement {
  const st = statementOf(receipt);
  const verdict =
    result.claimedVerdict && result.claimedVerdict !== result.verdict
      ? `${result.verdict} (the operator signed ${result.claimedVerdict})`
      : result.verdict;
  const rows: [string, Child][] = [['verdict', verdict], ...(st ? actionRows(st) : [])];
  if (result.operatorKeyId) rows.push(['operator key', result.operatorKeyId]);
  if (result.approverKeyId)
    rows.push(['approver key', `${result.approverKeyId}${result.decision ? ` (${result.decision})` : ''}`]);
  return el(
    'div',
    {},
    headline(result),
    el('dl', {}, ...rows.flatMap(([name, value]) => [el('dt', {}, name), el('dd', { 'data-field': name }, value)])),
    ...(result.reasons.length > 0 ? [reasonList(result)] : []),
  );
}

/** JSON Lines: a summary, then one row per receipt with its reasons. */
export function renderLines(reports: LineReport[], summary: LinesSummary): HTMLElement {
  const allValid = summary.receipts > 0 && summary.invalid === 0;
  const head =
    summary.receipts === 0
      ? 'no receipts to verify'
      : `${summary.valid} of ${summary.receipts} valid (${summary.allowed} allowed, ${summary.blocked} blocked, ${summary.suspended} suspended)${summary.invalid ? `, ${summary.invalid} INVALID` : ''}`;
  const rows = reports.map((r) =>
    el(
      'tr',
      { 'data-line': String(r.line), 'data-valid': String(r.valid) },
      el('td', {}, String(r.line)),
      el('td', {}, r.valid ? '✔ valid' : '✖ INVALID'),
      el('td', {}, r.verdict),
      el('td', {}, r.receiptId ?? '(unreadable)'),
      el('td', {}, r.tool ?? ''),
      el('td', {}, r.reasons.length > 0 ? reasonList(r) : ''),
    ),
  );
  const columns = ['line', 'receipt', 'verdict', 'receipt id', 'tool', 'reasons'].map((c) => el('th', {}, c));
  return el(
    'div',
    {},
    el(
      'p',
      { class: `verdict ${allValid ? 'ok' : 'invalid'}`, 'data-testid': 'verdict' },
      `${allValid ? '✔' : '✖'} ${head}`,
    ),
    el('table', {}, el('thead', {}, el('tr', {}, ...columns)), el('tbody', {}, ...rows)),
  );
}

export function renderError(message: string): HTMLElement {
  return el('p', { class: 'error', 'data-testid': 'error' }, message);
}
