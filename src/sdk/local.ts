/**
 * Local work, no network and no API key: capture an action, evaluate it, sign it.
 */

import { Action, type JsonObject, type PolicyRule, quorumOfRule, type Receipt } from '../core/schemas.ts';
import { buildReceipt } from '../core/statements.ts';
import { timestampOf } from '../core/validate.ts';
import type { Evaluation } from '../policy/index.ts';
import { HesoError } from './errors.ts';

/** What agent code describes; `capture` stamps the rest. */
export interface ActionInput {
  /** Dotted kind of action: `payments.refund`, `email.send`, `deploy.production`. */
  tool: string;
  /** The arguments exactly as the action will run with them. */
  params: JsonObject;
  /** Overrides the default account for this one action. */
  account?: string;
  /** Overrides the default workflow for this one action. */
  workflow?: string;
  /** Human summary for the approver (display only). */
  summary?: string;
}

export type Clock = () => Date;

export interface CaptureOptions {
  /** The account the action touches, when the input does not name one. */
  account?: string;
  /** The workflow (agent, pipeline) asking, when the input does not name one. */
  workflow?: string;
  /** Injectable clock; defaults to the system time. */
  clock?: Clock;
}

/** The action with account, workflow and capture time stamped, validated against the wire schema. */
export function capture(input: ActionInput, opts: CaptureOptions = {}): Action {
  const candidate = {
    tool: input?.tool,
    params: input?.params,
    account: input?.account ?? opts.account,
    workflow: input?.workflow ?? opts.workflow,
    capturedAt: timestampOf((opts.clock ?? (() => new Date()))()),
    ...(input?.summary !== undefined ? { summary: input.summary } : {}),
  };
  const parsed = Action.safeParse(candidate);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'action'}: ${i.message}`).join('; ');
    const hint =
      candidate.account === undefined || candidate.workflow === undefined
        ? ' (give account and workflow on the action or as capture/guard defaults)'
        : '';
    throw new HesoError('invalid_action', `action is not valid: ${problems}${hint}`);
  }
  return parsed.data;
}

export interface SignOptions {
  teamId: string;
  /** The operator's 32-byte Ed25519 secret key (from the data dir's 0600 key file). */
  secretKey: Uint8Array;
  clock?: Clock;
  receiptId?: string;
}

/** The operator-signed receipt recording the action and the policy's verdict. */
export function sign(
  action: Action,
  evaluation: Pick<Evaluation, 'verdict' | 'policy'> & { rule?: Pick<PolicyRule, 'confirm' | 'approvals'> | null },
  opts: SignOptions,
): Receipt {
  // A rule's `confirm` matters only to an approver, so only a suspended receipt carries it.
  const confirm = evaluation.verdict === 'suspend' ? evaluation.rule?.confirm : undefined;
  // The quorum is signed, so a verifier knows how many co-signatures to demand without asking anyone.
  const quorum = evaluation.verdict === 'suspend' ? quorumOfRule(evaluation.rule?.approvals) : undefined;
  return buildReceipt(
    {
      teamId: opts.teamId,
      action,
      verdict: evaluation.verdict,
      policy: evaluation.policy,
      ...(confirm === undefined ? {} : { confirm }),
      ...(quorum === undefined ? {} : { quorum }),
      issuedAt: timestampOf((opts.clock ?? (() => new Date()))()),
      ...(opts.receiptId ? { receiptId: opts.receiptId } : {}),
    },
    opts.secretKey,
  );
}
