/**
 * Risk cues: short labels that draw the approver's eye to what matters in an action
 * (money, production, destructive or data-leaving operations, hidden characters).
 * Heuristics for attention only; they never decide anything.
 */
import type { Action, JsonValue } from '../../src/core/schemas.ts';
import { hasHiddenCharacters } from './visible.ts';

export type RiskKind = 'amount' | 'production' | 'destructive' | 'export' | 'money' | 'hidden' | 'privilege';

export interface RiskCue {
  kind: RiskKind;
  label: string;
}

const AMOUNT_KEY = /^(amount|total|sum|value|price|cost|refund(_?amount)?|charge|payout|quantity)$/i;
const CURRENCY_KEY = /^(currency|ccy|currency_?code)$/i;
const PRODUCTION = /\b(prod|production|live)\b/i;
const DESTRUCTIVE = /\b(delete|deletes|drop|destroy|remove|purge|truncate|wipe|erase|terminate|revoke)\b/i;
const EXPORT = /\b(export|download|dump|share|send|upload|exfiltrate|copy)\b/i;
const MONEY = /\b(payment|payments|refund|transfer|payout|charge|invoice|wire)\b/i;
const PRIVILEGE = /\b(grant|admin|sudo|role|permission|permissions|iam|root)\b/i;

/** Splits dotted / snake / camel names into words so `db.deleteTable` matches "delete". */
function words(text: string): string {
  return text.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[._:/-]+/g, ' ');
}

interface Walked {
  strings: string[];
  keys: string[];
  amounts: { path: string; value: number | string; currency: string | null }[];
}

/** The currency named by an object's own currency key, if any. */
function ownCurrency(object: { [key: string]: JsonValue }): string | null {
  for (const [k, v] of Object.entries(object)) if (CURRENCY_KEY.test(k) && typeof v === 'string') return v;
  return null;
}

/**
 * Every amount is paired with the currency of the object that holds it (else the nearest
 * enclosing one): a 4,999 EUR refund beside a 1 JPY fee must never borrow the fee's currency.
 */
function walk(value: JsonValue, key: string, path: string, currency: string | null, out: Walked, depth = 0): void {
  if (depth > 32) return;
  if (typeof value === 'string') {
    out.strings.push(value);
    if (AMOUNT_KEY.test(key) && /^-?\d+(\.\d+)?$/.test(value)) out.amounts.push({ path, value, currency });
  } else if (typeof value === 'number') {
    if (AMOUNT_KEY.test(key)) out.amounts.push({ path, value, currency });
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => {
      walk(item, key, `${path}[${i}]`, currency, out, depth + 1);
    });
  } else if (value && typeof value === 'object') {
    const here = ownCurrency(value) ?? currency;
    for (const [k, v] of Object.entries(value)) {
      out.keys.push(k);
      walk(v, k, path ? `${path}.${k}` : k, here, out, depth + 1);
    }
  }
}

/**
 * The amount exactly as the action carries it, digits grouped for reading. Works on the
 * decimal text, never through a float: `12345678901234567890` and `0.1234567891` stay exact.
 */
export function formatAmount(value: number | string): string {
  const text = typeof value === 'number' ? String(value) : value;
  const match = /^(-?)(\d+)(\.\d+)?$/.exec(text);
  if (!match) return text;
  const [, sign = '', whole = '', fraction = ''] = match;
  return `${sign}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${fraction}`;
}

export function riskCues(action: Action): RiskCue[] {
  const walked: Walked = { strings: [], keys: [], amounts: [] };
  walk(action.params, '', '', null, walked);
  const cues: RiskCue[] = [];
  const toolWords = words(action.tool);
  const everything = [toolWords, words(action.account), words(action.workflow), ...walked.strings].join(' ');

  // Every amount, each with its own currency: a cue that shows some of them would be a partial truth.
  for (const { path, value, currency } of walked.amounts) {
    cues.push({ kind: 'amount', label: `${path}: ${formatAmount(value)}${currency ? ` ${currency}` : ''}` });
  }
  if (MONEY.test(toolWords) && walked.amounts.length === 0) cues.push({ kind: 'money', label: 'Moves money' });
  if (PRODUCTION.test(everything)) cues.push({ kind: 'production', label: 'Production' });
  if (DESTRUCTIVE.test(toolWords) || walked.keys.some((k) => DESTRUCTIVE.test(words(k))))
    cues.push({ kind: 'destructive', label: 'Deletes data' });
  if (EXPORT.test(toolWords)) cues.push({ kind: 'export', label: 'Data leaves the system' });
  if (PRIVILEGE.test(toolWords)) cues.push({ kind: 'privilege', label: 'Changes access' });

  const texts = [action.tool, action.account, action.workflow, action.summary ?? '', ...walked.strings, ...walked.keys];
  if (texts.some(hasHiddenCharacters)) cues.push({ kind: 'hidden', label: 'Hidden characters' });
  return cues;
}
