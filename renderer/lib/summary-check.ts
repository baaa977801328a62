/**
 * Checks the agent's summary against what will run. The summary is the agent's own words and
 * may be wrong or a lie ("Refund 25 EUR" over params that refund 2,500): every value it
 * mentions (amounts, emails, hosts, ids) is looked up in the action's params, tool, account
 * and workflow. A value found nowhere is flagged `absent`; an amount or currency where the
 * params carry a different one is flagged `contradicts`, naming what the params say.
 *
 * Heuristic in one direction only: it can flag a summary that is fine, never clear the params.
 * Pure, no DOM: unit-tested in test/renderer/summary-check.test.ts.
 */
import type { Action, JsonValue } from '../../src/core/schemas.ts';
import { formatAmount } from './risk.ts';

export type MentionKind = 'amount' | 'currency' | 'email' | 'host' | 'id';

export interface SummaryFlag {
  kind: MentionKind;
  /** The value as the summary writes it. */
  mentioned: string;
  problem: 'absent' | 'contradicts';
  /** For `contradicts`: what the params carry instead, e.g. "amount = 2,500". */
  params?: string;
}

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[\p{L}]{2,}/gu;
const HOST = /\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}\b/giu;
/** Numbers with an optional currency on either side: "250 EUR", "€1,250.50", "USD 40". */
const AMOUNT =
  /(?:([€$£¥])\s?|\b([A-Z]{3})\s)?(-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?)(?:\s?([A-Z]{3})\b)?(?![\w@.-]*\w)/g;
/** Identifier-like tokens: letters and digits mixed, or a #number ("#99812", "cust_4821", "INV-2024-77"). */
const ID = /#\d+|\b(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[A-Za-z0-9]+(?:[_-][A-Za-z0-9]+)+\b/g;

const SYMBOL_CURRENCY: Record<string, string> = { '€': 'EUR', $: 'USD', '£': 'GBP', '¥': 'JPY' };
const AMOUNT_KEY = /^(amount|total|sum|value|price|cost|refund(_?amount)?|charge|payout)$/i;
const CURRENCY_KEY = /^(currency|ccy|currency_?code)$/i;
/** Three capital letters that are words, not currencies, in summaries. */
const NOT_CURRENCY = new Set(['THE', 'AND', 'FOR', 'API', 'URL', 'CSV', 'PDF', 'SQL', 'DNS', 'VAT', 'ETA']);

interface Facts {
  texts: string[];
  numbers: number[];
  amounts: number[];
  currencies: string[];
}

function collect(value: JsonValue, key: string, out: Facts, depth = 0): void {
  if (depth > 32) return;
  if (typeof value === 'string') {
    out.texts.push(value.toLowerCase());
    const numeric = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : null;
    if (numeric !== null) out.numbers.push(numeric);
    if (numeric !== null && AMOUNT_KEY.test(key)) out.amounts.push(numeric);
    if (CURRENCY_KEY.test(key)) out.currencies.push(value.toUpperCase());
  } else if (typeof value === 'number') {
    out.numbers.push(value);
    out.texts.push(String(value));
    if (AMOUNT_KEY.test(key)) out.amounts.push(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collect(item, key, out, depth + 1);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.texts.push(k.toLowerCase());
      collect(v, k, out, depth + 1);
    }
  }
}

function factsOf(action: Pick<Action, 'tool' | 'account' | 'workflow' | 'params'>): Facts {
  const facts: Facts = { texts: [], numbers: [], amounts: [], currencies: [] };
  collect(action.params, '', facts);
  facts.texts.push(action.tool.toLowerCase(), action.account.toLowerCase(), action.workflow.toLowerCase());
  return facts;
}

const mentionedIn = (facts: Facts, value: string) => {
  const needle = value.toLowerCase();
  return facts.texts.some((t) => t.includes(needle));
};

/** "99812" is in "ord-99812", but "25" is not in "250". */
function containsNumber(text: string, digits: string): boolean {
  let at = text.indexOf(digits);
  while (at >= 0) {
    const before = text[at - 1] ?? '';
    const after = text[at + digits.length] ?? '';
    if (!/[\d.,]/.test(before) && !/\d/.test(after)) return true;
    at = text.indexOf(digits, at + 1);
  }
  return false;
}

function checkAmounts(summary: string, facts: Facts, flags: SummaryFlag[]): void {
  for (const match of summary.matchAll(AMOUNT)) {
    const [whole, symbol, before, digits = '', after] = match;
    const code = symbol ? SYMBOL_CURRENCY[symbol] : [before, after].find((c) => c && !NOT_CURRENCY.has(c));
    const value = Number(digits.replace(/,/g, ''));
    // Small bare numbers ("2 items", "step 3") are too common to be worth a flag.
    if (!code && Math.abs(value) < 10) continue;
    if (code && facts.currencies.length > 0 && !facts.currencies.includes(code)) {
      flags.push({
        kind: 'currency',
        mentioned: whole.trim(),
        problem: 'contradicts',
        params: `currency = ${facts.currencies.join(', ')}`,
      });
      continue;
    }
    if (facts.numbers.includes(value) || facts.texts.some((t) => containsNumber(t, digits))) continue;
    if (code && facts.amounts.length > 0) {
      const carried = facts.amounts.map((a) => formatAmount(a)).join(', ');
      flags.push({ kind: 'amount', mentioned: whole.trim(), problem: 'contradicts', params: `amount = ${carried}` });
    } else flags.push({ kind: 'amount', mentioned: whole.trim(), problem: 'absent' });
  }
}

/** The values the summary mentions that the action does not carry, or carries differently. */
export function checkSummary(
  action: Pick<Action, 'tool' | 'account' | 'workflow' | 'params' | 'summary'>,
): SummaryFlag[] {
  const summary = action.summary ?? '';
  if (!summary) return [];
  const facts = factsOf(action);
  const flags: SummaryFlag[] = [];
  const emails = [...summary.matchAll(EMAIL)].map((m) => m[0]);
  for (const email of emails)
    if (!mentionedIn(facts, email)) flags.push({ kind: 'email', mentioned: email, problem: 'absent' });
  const withoutEmails = emails.reduce((rest, email) => rest.replace(email, ' '), summary);
  const hosts = [...withoutEmails.matchAll(HOST)].map((m) => m[0]).filter((h) => !/^\d+(\.\d+)*$/.test(h));
  for (const host of hosts)
    if (!mentionedIn(facts, host)) flags.push({ kind: 'host', mentioned: host, problem: 'absent' });
  const plain = hosts.reduce((rest, host) => rest.replace(host, ' '), withoutEmails);
  for (const match of plain.matchAll(ID)) {
    const id = match[0].replace(/^#/, '');
    if (!mentionedIn(facts, id)) flags.push({ kind: 'id', mentioned: match[0], problem: 'absent' });
  }
  const withoutIds = plain.replace(ID, ' ');
  checkAmounts(withoutIds, facts, flags);
  return flags;
}

/** One line per flag, for the detail view. */
export function describeFlag(flag: SummaryFlag): string {
  const what = { amount: 'amount', currency: 'currency', email: 'email address', host: 'host', id: 'identifier' }[
    flag.kind
  ];
  return flag.problem === 'contradicts'
    ? `The summary says ${flag.mentioned}, but the parameters say ${flag.params}.`
    : `The summary mentions the ${what} ${flag.mentioned}, which the parameters do not contain.`;
}
