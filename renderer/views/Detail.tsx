/**
 * One approval, every field: the action (nested params in full), the rule and policy
 * version that suspended it, the operator, the action hash and confirmation code, the
 * exact canonical JSON the hash covers, and this device's own verification result.
 */
import { type ReactNode, useEffect, useRef, useState } from 'react';
import type { DecisionOutcome, PendingItem, ProfileView } from '../../src/approver/api.ts';
import { DecisionPanel } from '../components/DecisionPanel.tsx';
import { Fact } from '../components/Fact.tsx';
import { FormError } from '../components/FormError.tsx';
import { JsonTree } from '../components/JsonTree.tsx';
import { OperatorTrust } from '../components/OperatorTrust.tsx';
import { QuorumProgress } from '../components/QuorumProgress.tsx';
import { RiskCues } from '../components/RiskCues.tsx';
import { Visible } from '../components/Visible.tsx';
import { AgentSummary, WhyCard } from '../components/WhyCard.tsx';
import { errorMessage, invoke } from '../lib/bridge.ts';
import { headlineOf } from '../lib/headline.ts';
import { riskCues } from '../lib/risk.ts';
import { ageText, expiryInfo, formatTime, useNow } from '../lib/time.ts';
import { hasBidiControls } from '../lib/visible.ts';

export interface DetailViewProps {
  approvalId: string;
  /** The item as the live queue has it; null once it left the queue (decided, expired) or before it arrives. */
  liveItem: PendingItem | null;
  profile: ProfileView | null;
  /** The item the queue shows after this one (for "Next item" once decided); null when none is left. */
  nextId: string | null;
  onOpen: (approvalId: string) => void;
  onBack: () => void;
}

export function DetailView({ approvalId, liveItem, profile, nextId, onOpen, onBack }: DetailViewProps) {
  const [item, setItem] = useState<PendingItem | null>(liveItem);
  const [lookup, setLookup] = useState<'idle' | 'loading' | 'missing' | string>('idle');
  const [outcome, setOutcome] = useState<DecisionOutcome | null>(null);

  // Keep the last known copy: after a decision the item leaves the queue but stays on screen with its outcome.
  useEffect(() => {
    if (liveItem) setItem(liveItem);
  }, [liveItem]);

  useEffect(() => {
    if (liveItem || item) return;
    let cancelled = false;
    setLookup('loading');
    invoke('approval:get', { approvalId }).then(
      (found) => {
        if (cancelled) return;
        if (found) {
          setItem(found);
          setLookup('idle');
        } else setLookup('missing');
      },
      (error) => !cancelled && setLookup(errorMessage(error)),
    );
    return () => {
      cancelled = true;
    };
  }, [approvalId, liveItem, item]);

  const back = (
    <button type="button" className="button button-link back-button" onClick={onBack}>
      ← Back to queue
    </button>
  );
  if (!item) {
    return (
      <section className="screen" aria-labelledby="detail-title">
        {back}
        <h1 id="detail-title">Approval request</h1>
        {lookup === 'loading' || lookup === 'idle' ? (
          <p className="loading">Loading…</p>
        ) : lookup === 'missing' ? (
          <p className="notice" data-testid="detail-missing">
            This approval is no longer pending here: it was decided, expired, or belongs to another profile.
          </p>
        ) : (
          <FormError message={lookup} />
        )}
      </section>
    );
  }
  return (
    <DetailBody
      item={item}
      liveItem={liveItem}
      profile={profile}
      outcome={outcome}
      onOutcome={setOutcome}
      back={back}
      next={<NextItem nextId={nextId} onOpen={onOpen} onBack={onBack} />}
    />
  );
}

function DetailBody(props: {
  item: PendingItem;
  liveItem: PendingItem | null;
  profile: ProfileView | null;
  outcome: DecisionOutcome | null;
  onOutcome: (o: DecisionOutcome) => void;
  back: ReactNode;
  next: ReactNode;
}) {
  const { item, profile, outcome } = props;
  const now = useNow();
  const { approval } = item;
  const statement = approval.receipt.statement;
  const { action } = statement;
  const headline = headlineOf(action);
  // After a decision the countdown stops: the approval no longer waits for anyone.
  const expiry = outcome ? { text: 'decided', urgency: 'normal' as const } : expiryInfo(approval.expiresAt, now);
  const bidi = [action.tool, action.account, action.workflow, action.summary ?? '', item.canonicalAction].some(
    hasBidiControls,
  );

  return (
    <section
      className="screen detail"
      aria-labelledby="detail-title"
      data-testid="detail"
      data-approval-id={approval.id}
    >
      {props.back}
      <div className="detail-head">
        <div>
          <p className="eyebrow">
            Approval request · <Visible text={action.tool} className="mono" />
          </p>
          <h1 id="detail-title" className="detail-title" data-testid="detail-headline">
            <Visible text={headline.text} />
          </h1>
          <p className="detail-sub">
            Account <Visible text={action.account} className="mono" /> · requested {ageText(approval.createdAt, now)} ·{' '}
            <span className={`expiry expiry-${expiry.urgency}`} data-testid="expiry">
              {expiry.text}
            </span>
          </p>
          {!item.quarantined && <RiskCues cues={riskCues(action)} />}
          <QuorumProgress quorum={item.quorum} now={now} />
        </div>
        <div className="code-box">
          <span className="code-box-label">Confirmation code</span>
          <span className="short-code short-code-large" data-testid="detail-short-code">
            {item.shortCode}
          </span>
          <span className="code-box-help" data-testid="code-help">
            {item.quarantined
              ? 'Do not match this code: the request failed verification.'
              : 'The agent shows the same code.'}
          </span>
        </div>
      </div>

      {item.quarantined ? (
        <div className="alert alert-error" role="alert" data-testid="quarantine">
          <h2>Quarantined: this request failed verification on your device</h2>
          <p>Do not approve it. It may have been altered between the agent and you.</p>
          <ul data-testid="quarantine-reasons">
            {item.verification.reasons.map((reason) => (
              <li key={reason}>
                <Visible text={reason} />
              </li>
            ))}
          </ul>
        </div>
      ) : (
        <VerificationBox item={item} expired={expiry.urgency === 'expired'} />
      )}
      <OperatorTrust item={item} />
      {bidi && (
        <div className="alert alert-warning" role="note">
          This request contains text-direction control characters. They are shown escaped (for example \u202E) so the
          text cannot be reordered on screen.
        </div>
      )}

      <section className="card" aria-labelledby="action-title">
        <h2 id="action-title">What will run</h2>
        <dl className="facts">
          <Fact label="Tool" value={action.tool} mono />
          <Fact label="Account" value={action.account} mono />
          <Fact label="Workflow" value={action.workflow} mono />
          <Fact label="Captured at" value={formatTime(action.capturedAt)} title={action.capturedAt} />
        </dl>
        <h3>Parameters</h3>
        <div className="params" data-testid="params">
          <JsonTree value={action.params} label="Action parameters" />
        </div>
      </section>

      {action.summary && <AgentSummary action={action} />}
      <WhyCard item={item} />

      {outcome ? (
        <>
          <OutcomeBox outcome={outcome} />
          {props.next}
        </>
      ) : (
        <DecisionPanel item={item} liveItem={props.liveItem} profile={profile} onOutcome={props.onOutcome} />
      )}

      <section className="card" aria-labelledby="ids-title">
        <h2 id="ids-title">Identity and integrity</h2>
        <dl className="facts">
          <Fact label="Operator key id" value={statement.operatorKeyId} mono testId="operator-key-id" />
          <Fact label="Action hash" value={statement.actionHash} mono testId="action-hash" />
          <Fact label="Confirmation code" value={item.shortCode} mono />
          <Fact label="Approval id" value={approval.id} mono />
          <Fact label="Receipt id" value={statement.receiptId} mono />
          <Fact label="Team" value={statement.teamId} mono />
          <Fact label="Issued at" value={formatTime(statement.issuedAt)} title={statement.issuedAt} />
          <Fact label="Expires at" value={formatTime(approval.expiresAt)} title={approval.expiresAt} />
        </dl>
        <details className="raw-json">
          <summary>Raw canonical JSON of the action (the bytes the hash covers)</summary>
          <pre className="mono" data-testid="canonical-json">
            <Visible text={item.canonicalAction} />
          </pre>
        </details>
      </section>
    </section>
  );
}

/** After a decision: straight on to the next item (focused, so Enter continues), or back to the queue. */
function NextItem({
  nextId,
  onOpen,
  onBack,
}: {
  nextId: string | null;
  onOpen: (id: string) => void;
  onBack: () => void;
}) {
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div className="next-item">
      {nextId ? (
        <button
          ref={ref}
          type="button"
          className="button button-primary"
          data-testid="next-item"
          onClick={() => onOpen(nextId)}
        >
          Next item →
        </button>
      ) : (
        <p className="notice" data-testid="queue-done">
          Nothing else waits for you.
        </p>
      )}
      <button type="button" className="button" onClick={onBack}>
        Back to queue
      </button>
    </div>
  );
}

function VerificationBox({ item, expired }: { item: PendingItem; expired: boolean }) {
  if (item.verification.ok && expired) {
    return (
      <div className="alert alert-warning" data-testid="verification" data-ok="false">
        <strong>Expired.</strong> The operator's signature, the action hash and the policy reference checked out, but
        the approval expired at {formatTime(item.approval.expiresAt)}: it can no longer be approved.
      </div>
    );
  }
  if (item.verification.ok) {
    return (
      <div className="alert alert-ok" data-testid="verification" data-ok="true">
        <strong>Verified on this device.</strong> The operator's signature, the action hash, the policy reference and
        the expiry all check out.
      </div>
    );
  }
  return (
    <div className="alert alert-error" data-testid="verification" data-ok="false">
      <strong>Verification failed on this device.</strong>
      <ul>
        {item.verification.reasons.map((reason) => (
          <li key={reason}>
            <Visible text={reason} />
          </li>
        ))}
      </ul>
    </div>
  );
}

const OUTCOME_TITLE: Record<DecisionOutcome['status'], string> = {
  accepted: 'Decision accepted',
  already_decided: 'Already decided',
  expired: 'Expired',
  refused: 'Refused',
  queued: 'Signed, waiting to send',
  withdrawn: 'Withdrawn',
  unconfirmed: 'Not confirmed — do not assume the agent may run',
};

function OutcomeBox({ outcome }: { outcome: DecisionOutcome }) {
  const decided = outcome.approval?.status;
  const title =
    outcome.status === 'accepted' && decided === 'approved'
      ? 'Approved — your co-signature was accepted'
      : outcome.status === 'accepted' && decided === 'denied'
        ? 'Denied — your decision was recorded'
        : OUTCOME_TITLE[outcome.status];
  return (
    <div
      className={`alert ${outcome.status === 'accepted' ? 'alert-ok' : 'alert-warning'}`}
      role="status"
      data-testid="outcome"
      data-status={outcome.status}
    >
      <strong>{title}</strong>
      <p>
        <Visible text={outcome.message} />
      </p>
    </div>
  );
}
