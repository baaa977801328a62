/**
 * The one-line headline of an action, built from what will run (its parameters), never from
 * the agent's summary: "Refund 250 EUR · account cust_4821". Known tools get a sentence; a
 * formatter only uses values the params carry with the expected type, and when one is
 * missing the faithful generic form is used instead ("tool · key=value · …"), so a headline
 * never claims more than the params say.
 *
 * The key values (amount, recipient, target) are also what the approve confirmation restates.
 * Pure, no DOM: unit-tested in test/renderer/headline.test.ts.
 */
import type { Action, JsonObject, JsonValue } from '../../src/core/schemas.ts';
import { formatAmount } from './risk.ts';

export interface KeyValue {
  label: 'Amount' | 'Recipient' | 'Target' | 'Account';
  value: string;
}

export interface Headline {
  text: string;
  /** Whether a tool-specific formatter built it (false: the generic fallback). */
  known: boolean;
  keyValues: KeyValue[];
}

type HeadlineAction = Pick<Action, 'tool' | 'account' | 'params'>;
type Formatter = (params: JsonObject, account: string) => { text: string; keyValues: KeyValue[] } | null;

const GENERIC_PARAMS = 3;
const VALUE_CHARS = 40;

function text(params: JsonObject, key: string): string | null {
  const value = params[key];
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function firstText(params: JsonObject, keys: readonly string[]): string | null {
  for (const key of keys) {
    const value = text(params, key);
    if (value !== null) return value;
  }
  return null;
}

/** An amount with its currency when the same object names one: "250 EUR". Numeric strings count. */
function money(params: JsonObject): string | null {
  const amount = params.amount;
  const exact = typeof amount === 'number' || (typeof amount === 'string' && /^-?\d+(\.\d+)?$/.test(amount));
  if (!exact) return null;
  const currency = text(params, 'currency');
  return `${formatAmount(amount)}${currency ? ` ${currency}` : ''}`;
}

function nested(params: JsonObject, key: string): JsonObject | null {
  const value = params[key];
  return value && typeof value === 'object' && !Array.isArray(value) ? value : null;
}

const RECIPIENT_KEYS = ['to', 'recipient', 'email', 'iban', 'destination'] as const;

const FORMATTERS: Record<string, Formatter> = {
  'payments.refund': (p, account) => {
    const amount = money(p);
    if (!amount) return null;
    const order = firstText(p, ['orderId', 'order']);
    return {
      text: `Refund ${amount} · account ${account}${order ? ` · order ${order}` : ''}`,
      keyValues: [
        { label: 'Amount', value: amount },
        { label: 'Account', value: account },
      ],
    };
  },
  'payments.transfer': (p, account) => {
    const amount = money(p);
    const to = firstText(p, RECIPIENT_KEYS);
    if (!amount || !to) return null;
    return {
      text: `Transfer ${amount} to ${to}`,
      keyValues: [
        { label: 'Amount', value: amount },
        { label: 'Recipient', value: to },
        { label: 'Account', value: account },
      ],
    };
  },
  'email.send': (p) => {
    const to = firstText(p, ['to', 'recipient']);
    if (!to) return null;
    const subject = text(p, 'subject');
    return {
      text: `Email ${to}${subject ? ` · “${clip(subject)}”` : ''}`,
      keyValues: [{ label: 'Recipient', value: to }],
    };
  },
  'deploy.production': (p) => {
    const service = firstText(p, ['service', 'app', 'application', 'repo']);
    if (!service) return null;
    const version = firstText(p, ['version', 'ref', 'tag', 'commit', 'image']);
    return {
      text: `Deploy ${service}${version ? ` ${version}` : ''} to production`,
      keyValues: [{ label: 'Target', value: `${service} (production)` }],
    };
  },
  'db.delete': (p, account) => {
    const table = text(p, 'table');
    const rows = p.rows;
    if (!table || typeof rows !== 'number') return null;
    return {
      text: `Delete ${formatAmount(rows)} rows from ${table} · ${account}`,
      keyValues: [
        { label: 'Target', value: `${table} on ${account}` },
        { label: 'Amount', value: `${formatAmount(rows)} rows` },
      ],
    };
  },
  'data.export': (p) => {
    const dataset = text(p, 'dataset');
    const destination = nested(p, 'destination');
    const region = destination ? text(destination, 'region') : null;
    if (!dataset) return null;
    return {
      text: `Export ${dataset}${region ? ` to region ${region}` : ''}`,
      keyValues: [{ label: 'Target', value: region ? `${dataset} → ${region}` : dataset }],
    };
  },
};

function clip(value: string, max = VALUE_CHARS): string {
  const chars = Array.from(value);
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : value;
}

/** A scalar as written in the params (strings quoted only when empty); objects and arrays summarised. */
function shortValue(value: JsonValue): string {
  if (typeof value === 'string') return value.length === 0 ? '""' : clip(value);
  if (typeof value === 'number') return formatAmount(value);
  if (value === null || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.length} items]`;
  return `{${Object.keys(value).length} fields}`;
}

/** The faithful fallback: the tool, the account and the first parameters exactly as they are. */
function generic(action: HeadlineAction): Headline {
  const entries = Object.entries(action.params);
  const shown = entries.slice(0, GENERIC_PARAMS).map(([key, value]) => `${key}=${shortValue(value)}`);
  const more = entries.length > GENERIC_PARAMS ? [`+${entries.length - GENERIC_PARAMS} more`] : [];
  const amount = money(action.params);
  const recipient = firstText(action.params, RECIPIENT_KEYS);
  return {
    text: [action.tool, ...shown, ...more, `account ${action.account}`].join(' · '),
    known: false,
    keyValues: [
      ...(amount ? [{ label: 'Amount' as const, value: amount }] : []),
      ...(recipient ? [{ label: 'Recipient' as const, value: recipient }] : []),
      { label: 'Account', value: action.account },
    ],
  };
}

export function headlineOf(action: HeadlineAction): Headline {
  const formatter = FORMATTERS[action.tool];
  const built = formatter?.(action.params, action.account);
  return built ? { ...built, known: true } : generic(action);
}
