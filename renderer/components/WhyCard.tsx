/**
 * The detail view's context cards: the agent's summary (labelled as its words and checked
 * against the params), and why the action needs this approver (the rule and the conditions
 * that matched, computed here from the signed params) and who asks for it.
 */
import { useEffect, useState } from 'react';
import type { PendingItem, RuleView } from '../../src/approver/api.ts';
import type { Action } from '../../src/core/schemas.ts';
import { errorMessage, invoke } from '../lib/bridge.ts';
import { checkSummary, describeFlag } from '../lib/summary-check.ts';
import { explainConditions } from '../lib/why.ts';
import { Fact } from './Fact.tsx';
import { Visible } from './Visible.tsx';

export function AgentSummary({ action }: { action: Action }) {
  const flags = checkSummary(action);
  return (
    <section className="card" aria-labelledby="summary-title" data-testid="agent-summary">
      <h2 id="summary-title">What the agent says</h2>
      <blockquote className="summary-text">
        <Visible text={action.summary ?? ''} />
      </blockquote>
      {flags.length > 0 ? (
        <div className="alert alert-warning" data-testid="summary-flags">
          <strong>The agent's words do not match what will run.</strong>
          <ul>
            {flags.map((flag) => (
              <li key={`${flag.kind}:${flag.mentioned}`}>
                <Visible text={describeFlag(flag)} />
              </li>
            ))}
          </ul>
          <p>Decide on the parameters above, not on the summary.</p>
        </div>
      ) : (
        <p className="field-help">Written by the agent, for orientation only. The parameters above are what run.</p>
      )}
    </section>
  );
}

export function WhyCard({ item }: { item: PendingItem }) {
  const statement = item.approval.receipt.statement;
  const [rule, setRule] = useState<RuleView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const approvalId = item.approval.id;
  useEffect(() => {
    let cancelled = false;
    invoke('approval:rule', { approvalId }).then(
      (view) => !cancelled && setRule(view),
      (err) => !cancelled && setError(errorMessage(err)),
    );
    return () => {
      cancelled = true;
    };
  }, [approvalId]);

  const explained = rule?.rule?.when ? explainConditions(rule.rule.when, statement.action.params) : [];
  return (
    <section className="card" aria-labelledby="policy-title" data-testid="why">
      <h2 id="policy-title">Why it needs you</h2>
      <dl className="facts">
        <Fact label="Triggering rule" value={statement.policy.ruleId ?? '(policy default verdict)'} mono />
        <Fact label="Policy version" value={statement.policy.version} mono />
        <Fact label="Verdict signed by the operator" value={statement.verdict} mono />
      </dl>
      {rule?.rule ? (
        <div data-testid="rule-explanation">
          {rule.rule.description && (
            <p className="rule-description" data-testid="rule-description">
              <Visible text={rule.rule.description} />
            </p>
          )}
          {explained.length > 0 && (
            <ul className="conditions" aria-label="Conditions of the rule, checked on this device">
              {explained.map((c) => (
                <li key={c.condition} data-testid="rule-condition" data-holds={String(c.holds)}>
                  <code>
                    <Visible text={c.condition} />
                  </code>{' '}
                  {c.holds === null ? 'cannot be read' : c.holds ? 'holds' : 'does not hold'}
                  {c.values.length > 0 && (
                    <>
                      {' '}
                      with{' '}
                      <code>
                        <Visible text={c.values.join(', ')} />
                      </code>
                    </>
                  )}
                </li>
              ))}
            </ul>
          )}
          <p className="field-help">
            The rule's text is the control plane's copy of policy {rule.version}; whether each condition holds was
            checked on this device against the signed parameters.
          </p>
        </div>
      ) : (
        (rule?.problem || error) && (
          <p className="notice" data-testid="rule-problem">
            <Visible text={rule?.problem ?? error ?? ''} />
          </p>
        )
      )}
      <h3>Who asks</h3>
      <dl className="facts" data-testid="who">
        <Fact label="Workflow" value={statement.action.workflow} mono />
        <Fact label="Operator key fingerprint" value={item.operator.fingerprint} mono />
        <Fact
          label="Operator key on this device"
          value={
            item.operator.trust === 'trusted'
              ? 'Trusted for this workflow'
              : item.operator.trust === 'first_seen'
                ? 'First seen: not trusted yet'
                : 'Changed: another key is pinned for this workflow'
          }
        />
      </dl>
    </section>
  );
}
