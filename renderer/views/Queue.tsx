/**
 * The live list of approvals waiting for this approver. Virtualised (only the rows in view
 * are in the DOM), compact rows whose main line is built from the action's parameters, a
 * header that stays visible with the count and the connection state, and one shared clock
 * that re-renders only the bits that show time.
 *
 * Keyboard: j/k or ↓/↑ move, Home/End jump, Enter opens. No key approves from the list.
 */
import { useWindowVirtualizer } from '@tanstack/react-virtual';
import { memo, type RefObject, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { ConnectionState, QueueSnapshot } from '../../src/approver/api.ts';
import type { QuorumView } from '../../src/approver/quorum-view.ts';
import { QuorumProgress } from '../components/QuorumProgress.tsx';
import { Visible } from '../components/Visible.tsx';
import type { QueueEntry, QueueQuery, SortKey } from '../lib/queue-order.ts';
import { SORT_LABELS } from '../lib/queue-order.ts';
import { ageText, expiryInfo, formatTime, useNow } from '../lib/time.ts';

/** Row height in px: fixed, so nothing is measured while scrolling (CSS .queue-row matches). */
export const ROW_HEIGHT = 64;

/** What the queue remembers while a detail is open, so Back restores scroll position and focus. */
export interface QueueMemory {
  scrollY: number;
  focusId: string | null;
  /** The ids in the order shown when a detail was opened (for "Next item"). */
  order: string[];
}

export interface QueueViewProps {
  snapshot: QueueSnapshot;
  /** All entries, and the ones shown (filtered and sorted), computed by the app once per snapshot. */
  entries: QueueEntry[];
  shown: QueueEntry[];
  tools: string[];
  query: QueueQuery;
  onQuery: (query: QueueQuery) => void;
  memory: QueueMemory;
  onOpen: (approvalId: string) => void;
}

export function QueueView(props: QueueViewProps) {
  const { snapshot, entries, shown } = props;
  return (
    <section className="screen queue-screen" aria-labelledby="queue-title">
      <QueueHead {...props} />
      {entries.length === 0 && snapshot.connection.kind !== 'online' ? (
        <div className="empty-state" data-testid="queue-unavailable">
          <h2>{unavailableTitle(snapshot)}</h2>
          <p>
            {snapshot.connection.kind === 'idle' || snapshot.connection.kind === 'connecting'
              ? 'Connecting to your control plane.'
              : 'See the message above. Approvals that arrive meanwhile wait on the control plane and appear here once the connection is back.'}
          </p>
        </div>
      ) : entries.length === 0 ? (
        <div className="empty-state" data-testid="queue-empty">
          <span className="empty-mark" aria-hidden="true">
            ✓
          </span>
          <h2>Nothing waits for you</h2>
          <p>
            When an agent's action needs your co-signature, it appears here and you get a notification. You can keep
            this window closed.
          </p>
        </div>
      ) : shown.length === 0 ? (
        <div className="empty-state" data-testid="queue-no-match">
          <h2>No pending approval matches</h2>
          <p>Clear the search or pick another tool to see the other {entries.length}.</p>
        </div>
      ) : (
        <QueueList shown={shown} memory={props.memory} onOpen={props.onOpen} />
      )}
    </section>
  );
}

const CONNECTION_LABEL: Record<ConnectionState['kind'], string> = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  online: 'Live',
  reconnecting: 'Offline, reconnecting',
  rate_limited: 'Paused: rate limited',
  auth_failed: 'API key rejected',
};

function QueueHead({ snapshot, entries, shown, tools, query, onQuery }: QueueViewProps) {
  const { connection } = snapshot;
  const filtered = shown.length !== entries.length;
  return (
    <div className="queue-head" data-testid="queue-head">
      <div className="queue-head-line">
        <h1 id="queue-title">Pending approvals</h1>
        <p className="queue-status" data-testid="queue-status">
          <strong data-testid="queue-total">
            {filtered ? `${shown.length} of ${entries.length}` : entries.length} pending
          </strong>
          <span className={`connection-dot connection-${connection.kind}`} data-testid="queue-connection">
            {CONNECTION_LABEL[connection.kind]}
          </span>
          <span className="queue-synced">
            {connection.lastSyncAt ? `Updated ${formatTime(connection.lastSyncAt)}` : 'Waiting for the first update…'}
          </span>
        </p>
      </div>
      {entries.length > 0 && (
        <search className="queue-tools" aria-label="Search and sort the queue">
          <label className="queue-tool-field">
            <span className="visually-hidden">Search tool, account, workflow or code</span>
            <input
              type="search"
              data-testid="queue-search"
              placeholder="Search tool, account, workflow, code"
              value={query.search}
              onChange={(e) => onQuery({ ...query, search: e.target.value })}
              onKeyDown={(e) => {
                if (e.key === 'ArrowDown') {
                  e.preventDefault();
                  document.querySelector<HTMLElement>('[data-testid=queue-item]')?.focus();
                }
              }}
            />
          </label>
          <label className="queue-tool-field">
            <span className="field-label-inline">Tool</span>
            <select
              data-testid="queue-filter-tool"
              value={query.tool}
              onChange={(e) => onQuery({ ...query, tool: e.target.value })}
            >
              <option value="">All tools</option>
              {tools.map((tool) => (
                <option key={tool} value={tool}>
                  {tool}
                </option>
              ))}
            </select>
          </label>
          <label className="queue-tool-field">
            <span className="field-label-inline">Sort</span>
            <select
              data-testid="queue-sort"
              value={query.sort}
              onChange={(e) => onQuery({ ...query, sort: e.target.value as SortKey })}
            >
              {(Object.keys(SORT_LABELS) as SortKey[]).map((key) => (
                <option key={key} value={key}>
                  {SORT_LABELS[key]}
                </option>
              ))}
            </select>
          </label>
        </search>
      )}
    </div>
  );
}

/** While not online, say what is known: an empty queue at the last update is not "unknown". */
function unavailableTitle(snapshot: QueueSnapshot): string {
  const { kind, lastSyncAt } = snapshot.connection;
  if (kind === 'idle' || kind === 'connecting') return 'Loading the queue…';
  if (lastSyncAt) return `Nothing was pending at ${formatTime(lastSyncAt)}`;
  return 'The queue cannot be shown right now';
}

const MOVE: Record<string, (index: number, last: number) => number> = {
  j: (i, last) => Math.min(last, i + 1),
  ArrowDown: (i, last) => Math.min(last, i + 1),
  k: (i) => Math.max(0, i - 1),
  ArrowUp: (i) => Math.max(0, i - 1),
  Home: () => 0,
  End: (_i, last) => last,
};

/** Focuses a row once the virtualizer has rendered it (after a scroll it appears a frame or two later). */
function focusWhenRendered(listRef: RefObject<HTMLUListElement | null>, id: string, frames = 10): void {
  const row = listRef.current?.querySelector<HTMLElement>(`[data-approval-id="${CSS.escape(id)}"]`);
  if (row) row.focus({ preventScroll: true });
  else if (frames > 0) requestAnimationFrame(() => focusWhenRendered(listRef, id, frames - 1));
}

function QueueList({
  shown,
  memory,
  onOpen,
}: {
  shown: QueueEntry[];
  memory: QueueMemory;
  onOpen: (approvalId: string) => void;
}) {
  const listRef = useRef<HTMLUListElement>(null);
  const [activeId, setActiveId] = useState<string | null>(memory.focusId);
  const [scrollMargin, setScrollMargin] = useState(0);
  const restored = useRef(false);

  useLayoutEffect(() => {
    setScrollMargin(listRef.current ? listRef.current.getBoundingClientRect().top + window.scrollY : 0);
  }, []);

  const virtualizer = useWindowVirtualizer({
    count: shown.length,
    estimateSize: () => ROW_HEIGHT,
    overscan: 6,
    scrollMargin,
    // Rows land below the sticky header, not under it.
    scrollPaddingStart: 150,
    getItemKey: (index) => shown[index]?.item.approval.id ?? index,
  });

  const activeIndex = Math.max(
    0,
    shown.findIndex((e) => e.item.approval.id === activeId),
  );

  const focusRow = useCallback(
    (index: number) => {
      const id = shown[index]?.item.approval.id;
      if (!id) return;
      setActiveId(id);
      virtualizer.scrollToIndex(index, { align: 'auto' });
      focusWhenRendered(listRef, id);
    },
    [shown, virtualizer],
  );

  // Back from a detail: the scroll position and the focused row come back as they were.
  useLayoutEffect(() => {
    if (restored.current || scrollMargin === 0) return;
    restored.current = true;
    if (!memory.focusId) return;
    window.scrollTo(0, memory.scrollY);
    const index = shown.findIndex((e) => e.item.approval.id === memory.focusId);
    // The item may have left the queue meanwhile (decided): the row now at its place takes focus.
    const at = index >= 0 ? index : Math.max(0, Math.min(memory.order.indexOf(memory.focusId), shown.length - 1));
    const id = shown[at]?.item.approval.id;
    if (!id) return;
    setActiveId(id);
    focusWhenRendered(listRef, id);
  }, [memory, shown, scrollMargin]);

  // j/k work from anywhere on the queue screen except text fields (where they are letters).
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const move = MOVE[event.key];
      if (!move || event.ctrlKey || event.metaKey || event.altKey) return;
      const target = event.target as HTMLElement | null;
      if (target?.closest('input, textarea, select, [contenteditable=true], dialog')) return;
      const inList = target ? listRef.current?.contains(target) : false;
      if (!inList && event.key.startsWith('Arrow')) return; // arrows scroll the page outside the list
      event.preventDefault();
      focusRow(inList ? move(activeIndex, shown.length - 1) : activeIndex);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [focusRow, activeIndex, shown.length]);

  const rows = virtualizer.getVirtualItems();
  // Roving tabindex: one row is in the tab order; if the active row is scrolled out, the first rendered one.
  const tabbableId = rows.some((r) => r.key === shown[activeIndex]?.item.approval.id)
    ? shown[activeIndex]?.item.approval.id
    : rows[0]
      ? shown[rows[0].index]?.item.approval.id
      : undefined;

  return (
    <ul
      ref={listRef}
      className="queue-list"
      data-testid="queue-list"
      aria-label={`${shown.length} pending approvals`}
      style={{ height: virtualizer.getTotalSize() }}
    >
      {rows.map((row) => {
        const entry = shown[row.index];
        if (!entry) return null;
        return (
          <li
            key={row.key}
            className={entry.item.quarantined ? 'queue-item queue-item-quarantined' : 'queue-item'}
            aria-setsize={shown.length}
            aria-posinset={row.index + 1}
            style={{ transform: `translateY(${row.start - scrollMargin}px)`, height: ROW_HEIGHT }}
          >
            <QueueRow
              entry={entry}
              tabbable={entry.item.approval.id === tabbableId}
              onOpen={onOpen}
              onFocus={setActiveId}
            />
          </li>
        );
      })}
    </ul>
  );
}

/** Memoised: a row re-renders only when its own item changes; the clock reaches only its time cells. */
const QueueRow = memo(function QueueRow({
  entry,
  tabbable,
  onOpen,
  onFocus,
}: {
  entry: QueueEntry;
  tabbable: boolean;
  onOpen: (id: string) => void;
  onFocus: (id: string) => void;
}) {
  const { item, headline, cues } = entry;
  const { approval } = item;
  const { action } = approval.receipt.statement;
  return (
    <button
      type="button"
      className="queue-row"
      data-testid="queue-item"
      data-approval-id={approval.id}
      tabIndex={tabbable ? 0 : -1}
      onClick={() => onOpen(approval.id)}
      onFocus={() => onFocus(approval.id)}
    >
      <span className="queue-main">
        <span className="queue-headline" data-testid="queue-headline">
          <Visible text={headline.text} />
        </span>
        <span className="queue-meta">
          <span className="mono">
            <Visible text={action.tool} />
          </span>
          <span>
            <Visible text={action.workflow} />
          </span>
          {item.quarantined ? (
            <span className="quarantine-flag">Failed verification — cannot be approved</span>
          ) : (
            cues.map((cue) => (
              <span key={`${cue.kind}:${cue.label}`} className={`risk-cue risk-${cue.kind}`}>
                {cue.label}
              </span>
            ))
          )}
          {action.summary && (
            <span className="queue-summary">
              Agent: <Visible text={action.summary} />
            </span>
          )}
        </span>
      </span>
      <span className="queue-side">
        {item.quorum && <RowQuorum quorum={item.quorum} />}
        <RowTimes createdAt={approval.createdAt} expiresAt={approval.expiresAt} />
        <span className="queue-code">
          <span className="visually-hidden">Code </span>
          <span className="short-code" data-testid="short-code">
            {item.shortCode}
          </span>
        </span>
      </span>
    </button>
  );
});

/** A quorum approval's progress on its row; it ticks with the shared clock like the times. */
function RowQuorum({ quorum }: { quorum: QuorumView }) {
  const now = useNow();
  return <QuorumProgress quorum={quorum} now={now} compact />;
}

/**
 * A part of a row that ticks. Hidden from assistive tech so a row's accessible name
 * never changes every second; the absolute expiry stays available as its title.
 */
function RowTimes({ createdAt, expiresAt }: { createdAt: string; expiresAt: string }) {
  const now = useNow();
  const expiry = expiryInfo(expiresAt, now);
  return (
    <span className="queue-times" aria-hidden="true" title={`Expires ${formatTime(expiresAt)}`}>
      <span className={`expiry expiry-${expiry.urgency}`}>{expiry.text}</span>
      <span className="queue-age">{ageText(createdAt, now)}</span>
    </span>
  );
}
