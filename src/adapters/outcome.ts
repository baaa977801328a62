/**
 * What a refused (or not yet decided) gate means, in one shape for every adapter: the MCP
 * gateway turns it into a tool result, the Claude Code hook into a `deny` decision, and
 * `heso exec` into an exit code. Anything HESO could not establish is a refusal: fail closed.
 */
import { HesoApprovalError, HesoBlockedError, HesoError } from '../sdk/index.ts';
import { unreachableReason } from './connection.ts';

export type RefusalKind =
  | 'blocked'
  | 'denied'
  | 'pending'
  | 'expired'
  | 'cosignature_rejected'
  | 'unreachable'
  | 'error';

export interface Refusal {
  kind: RefusalKind;
  /** One sentence for a person (and for the agent): what happened and what to do. */
  message: string;
  ruleId?: string | null;
  approvalId?: string;
  /** The approver's own reason, from their verified co-signature (denials only). */
  approverReason?: string | null;
}

/** The refusal an error from `Guard.authorize` / `Guard.resume` stands for. */
export function refusalOf(err: unknown, endpoint: string): Refusal {
  if (err instanceof HesoBlockedError) return { kind: 'blocked', message: `HESO: ${err.message}`, ruleId: err.ruleId };
  if (err instanceof HesoApprovalError) {
    const base = { approvalId: err.approvalId };
    switch (err.code) {
      case 'denied':
        return {
          ...base,
          kind: 'denied',
          approverReason: err.approverReason,
          message: `HESO: the approver denied this action${err.approverReason ? `: ${err.approverReason}` : ' (no reason given)'}. It was not run.`,
        };
      case 'approval_timeout':
        return { ...base, kind: 'pending', message: `HESO: ${err.message}` };
      case 'expired':
        return { ...base, kind: 'expired', message: `HESO: ${err.message}` };
      default:
        return { ...base, kind: 'cosignature_rejected', message: `HESO: ${err.message}` };
    }
  }
  const unreachable = unreachableReason(err, endpoint);
  if (unreachable) return { kind: 'unreachable', message: `HESO: ${unreachable}` };
  const message = err instanceof Error ? err.message : String(err);
  const code = err instanceof HesoError ? ` [${err.code}]` : '';
  return {
    kind: 'error',
    message: `HESO could not check this action${code}: ${message}; failing closed: it was not run`,
  };
}
