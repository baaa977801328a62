/** The live list of approvals waiting for this approver, newest activity from the `queue` event. */
import type { PendingItem, QueueSnapshot } from '../../src/approver/api.ts';
import { QuorumProgress } from '../components/QuorumProgress.tsx';
import { RiskCues } from '../components/RiskCues.tsx';
import { Visible } from '../components/Visible.tsx';
import { riskCues } from '../lib/risk.ts';
import { ageText, expiryInfo, formatTime, useNow } from '../lib/time.ts';

export function QueueView({ snapshot, onOpen }: { snapshot: QueueSnapshot; onOpen: (approvalId: string) => void }) {
  const now = useNow();
  const items = snapshot.items;
  return (
    <section className="screen" aria-labelledby="queue-title">
      <div className="screen-head">
        <h1 id="queue-title">Pending approvals</h1>
        <p className="screen-sub">
          {snapshot.connection.lastSyncAt
            ? `Updated ${formatTime(snapshot.connection.lastSyncAt)}`
            : 'Waiting for the first update…'}
        </p>
      </div>
      {items.length === 0 && snapshot.connection.kind !== 'online' ? (
        <div className="empty-state" data-testid="queue-unavailable">
          <h2>{unavailableTitle(snapshot)}</h2>
          <p>
            {snapshot.connection.kind === 'idle' || snapshot.connection.kind === 'connecting'
              ? 'Connecting to your control plane.'
              : 'See the message above. Approvals that arrive meanwhile wait on the control plane and appear here once the connection is back.'}
          </p>
        </div>
      ) : items.length === 0 ? (
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
      ) : (
        <ul className="queue-list" aria-label={`${items.length} pending approvals`}>
          {items.map((item) => (
            <QueueRow key={item.approval.id} item={item} now={now} onOpen={onOpen} />
          ))}
        </ul>
      )}
    </section>
  );
}

/** While not online, say what is known: an empty queue at the last update is not "unknown". */
function unavailableTitle(snapshot: QueueSnapshot): string {
  const { kind, lastSyncAt } = snapshot.connection;
  if (kind === 'idle' || kind === 'connecting') return 'Loading the queue…';
  if (lastSyncAt) return `Nothing was pending at ${formatTime(lastSyncAt)}`;
  return 'The queue cannot be shown right now';
}

function QueueRow({ item, now, onOpen }: { item: PendingItem; now: number; onOpen: (id: string) => void }) {
  const { action } = item.approval.receipt.statement;
  const expiry = expiryInfo(item.approval.expiresAt, now);
  return (
    <li className={item.quarantined ? 'queue-item queue-item-quarantined' : 'queue-item'}>
      <button
        type="button"
        className="queue-row"
        data-testid="queue-item"
        data-approval-id={item.approval.id}
        onClick={() => onOpen(item.approval.id)}
      >
        <span className="queue-main">
          <span className="queue-tool">
            <Visible text={action.tool} />
          </span>
          {action.summary && (
            <span className="queue-summary">
              <Visible text={action.summary} />
            </span>
          )}
          <span className="queue-meta">
            <span>
              Account <Visible text={action.account} className="mono" />
            </span>
            <span>Requested {ageText(item.approval.createdAt, now)}</span>
            <span className={`expiry expiry-${expiry.urgency}`}>{expiry.text}</span>
          </span>
          {item.quarantined ? (
            <span className="quarantine-flag">Failed verification — cannot be approved</span>
          ) : (
            <RiskCues cues={riskCues(action)} />
          )}
          <QuorumProgress quorum={item.quorum} now={now} compact />
        </span>
        <span className="queue-code">
          <span className="queue-code-label">Code</span>
          <span className="short-code" data-testid="short-code">
            {item.shortCode}
          </span>
        </span>
      </button>
    </li>
  );
}
