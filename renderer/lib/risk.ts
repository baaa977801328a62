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
  amounts: { key: string; value: number | string }[];
  currency: string | null;
}

function walk(value: JsonValue, key: string, out: Walked, depth = 0): void {
  if (depth > 32) return;
  if (typeof value === 'string') {
    out.strings.push(value);
    if (CURRENCY_KEY.test(key) && !out.currency) out.currency = value;
    if (AMOUNT_KEY.test(key) && /^-?\d+(\.\d+)?$/.test(value)) out.amounts.push({ key, value });
  } else if (typeof value === 'number') {
    if (AMOUNT_KEY.test(key)) out.amounts.push({ key, value });
  } else if (Array.isArray(value)) {
    for (const item of value) walk(item, key, out, depth + 1);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.keys.push(k);
      walk(v, k, out, depth + 1);
    }
  }
}

function formatAmount(value: number | string): string {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n.toLocaleString(undefined, { maximumFractionDigits: 6 }) : String(value);
}

export function riskCues(action: Action): RiskCue[] {
  const walked: Walked = { strings: [], keys: [], amounts: [], currency: null };
  walk(action.params, '', walked);
  const cues: RiskCue[] = [];
  const toolWords = words(action.tool);
  const everything = [toolWords, words(action.account), words(action.workflow), ...walked.strings].join(' ');

  for (const { key, value } of walked.amounts.slice(0, 2)) {
    const currency = walked.currency ? ` ${walked.currency}` : '';
    cues.push({ kind: 'amount', label: `${key}: ${formatAmount(value)}${currency}` });
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
