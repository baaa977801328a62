/**
 * What the queue shows and in which order: sort (expiry, newest, risk), a tool filter and a
 * search over tool, account, workflow, confirmation code and headline. Pure, no DOM:
 * unit-tested in test/renderer/queue-order.test.ts.
 */
import type { PendingItem } from '../../src/approver/api.ts';
import { type Headline, headlineOf } from './headline.ts';
import { type RiskCue, riskCues } from './risk.ts';

export type SortKey = 'expiry' | 'newest' | 'risk';

export const SORT_LABELS: Record<SortKey, string> = {
  expiry: 'Expires soonest',
  newest: 'Newest first',
  risk: 'Highest risk',
};

export interface QueueQuery {
  sort: SortKey;
  /** Exact tool, or '' for every tool. */
  tool: string;
  /** Free text; every word must match one of the searchable fields. */
  search: string;
}

export const DEFAULT_QUERY: QueueQuery = { sort: 'expiry', tool: '', search: '' };

/** A pending item with what the list needs computed once per snapshot, not per render. */
export interface QueueEntry {
  item: PendingItem;
  headline: Headline;
  cues: RiskCue[];
  risk: number;
  haystack: string;
}

const CUE_WEIGHT: Record<RiskCue['kind'], number> = {
  hidden: 5,
  destructive: 4,
  privilege: 3,
  export: 3,
  production: 3,
  amount: 2,
  money: 2,
};

/** Codes are compared without spaces or dashes, so "ab12 cd34" finds "AB12-CD34". */
const compact = (text: string) => text.toLowerCase().replace(/[\s-]+/g, '');

export function entryOf(item: PendingItem): QueueEntry {
  const { action } = item.approval.receipt.statement;
  const headline = headlineOf(action);
  const cues = item.quarantined ? [] : riskCues(action);
  const risk = item.quarantined ? 100 : cues.reduce((sum, cue) => sum + CUE_WEIGHT[cue.kind], 0);
  const haystack = [action.tool, action.account, action.workflow, headline.text, item.shortCode]
    .join('\n')
    .toLowerCase();
  return { item, headline, cues, risk, haystack: `${haystack}\n${compact(item.shortCode)}` };
}

const expiresAt = (e: QueueEntry) => Date.parse(e.item.approval.expiresAt);
const createdAt = (e: QueueEntry) => Date.parse(e.item.approval.createdAt);

const COMPARE: Record<SortKey, (a: QueueEntry, b: QueueEntry) => number> = {
  expiry: (a, b) => expiresAt(a) - expiresAt(b),
  newest: (a, b) => createdAt(b) - createdAt(a),
  risk: (a, b) => b.risk - a.risk || expiresAt(a) - expiresAt(b),
};

export function matches(entry: QueueEntry, query: QueueQuery): boolean {
  if (query.tool && entry.item.approval.receipt.statement.action.tool !== query.tool) return false;
  const words = query.search.toLowerCase().split(/\s+/).filter(Boolean);
  return words.every((word) => entry.haystack.includes(word) || entry.haystack.includes(compact(word)));
}

/** The entries to show, in order; ties keep the id order so the list never shuffles between snapshots. */
export function orderQueue(entries: readonly QueueEntry[], query: QueueQuery): QueueEntry[] {
  const byId = (a: QueueEntry, b: QueueEntry) => (a.item.approval.id < b.item.approval.id ? -1 : 1);
  return entries.filter((e) => matches(e, query)).sort((a, b) => COMPARE[query.sort](a, b) || byId(a, b));
}

/** Distinct tools, for the filter. */
export function toolsOf(entries: readonly QueueEntry[]): string[] {
  return [...new Set(entries.map((e) => e.item.approval.receipt.statement.action.tool))].sort();
}
