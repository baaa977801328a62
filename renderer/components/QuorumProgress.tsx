/**
 * A quorum approval's requirement and progress: "needs 2 of finance + security · Dana (finance)
 * approved 3m ago · waiting for security", what this approver's own signature adds, and that a
 * deny vetoes. Display only: the engine verified and counted (src/approver/quorum-view.ts).
 */
import type { QuorumView } from '../../src/approver/quorum-view.ts';
import { ageText } from '../lib/time.ts';
import { Visible } from './Visible.tsx';

export function QuorumProgress({
  quorum,
  now,
  compact = false,
}: {
  quorum?: QuorumView | null;
  now: number;
  compact?: boolean;
}) {
  if (!quorum) return null;
  const { progress } = quorum;
  const state = progress.vetoed ? 'vetoed' : progress.met ? 'met' : 'waiting';
  return (
    <span className={`quorum quorum-${state}${compact ? ' quorum-compact' : ''}`} data-testid="quorum-progress">
      <span className="quorum-summary" data-testid="quorum-summary">
        {quorum.summary}
      </span>
      <span
        className="quorum-count"
        role="img"
        aria-label={`${progress.approvals} of ${progress.required} approvals`}
        data-testid="quorum-count"
      >
        {Array.from({ length: progress.required }, (_, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: fixed positional slots
          <span key={i} className={i < progress.approvals ? 'quorum-slot quorum-slot-filled' : 'quorum-slot'} />
        ))}
        <span className="quorum-count-text">
          {progress.approvals} of {progress.required}
        </span>
      </span>
      {quorum.decisions.map((d) => (
        <span
          key={d.approverKeyId}
          className={`quorum-decision quorum-decision-${d.decision}`}
          data-testid="quorum-decision"
        >
          {d.mine ? 'You' : <Visible text={d.approverName} />}
          {d.groups.length > 0 && <> ({<Visible text={d.groups.join(', ')} />})</>}{' '}
          {d.decision === 'approve' ? 'approved' : 'denied'} {ageText(d.decidedAt, now)}
        </span>
      ))}
      <span className="quorum-waiting" data-testid="quorum-waiting">
        {quorum.waitingFor}
      </span>
      {!compact && (
        <span className="quorum-yours" data-testid="quorum-yours">
          {quorum.yourPart.charAt(0).toUpperCase() + quorum.yourPart.slice(1)}.
        </span>
      )}
      {quorum.rejected > 0 && (
        <span className="quorum-rejected" role="alert">
          {quorum.rejected} decision(s) from the control plane did not verify and are not counted.
        </span>
      )}
    </span>
  );
}
