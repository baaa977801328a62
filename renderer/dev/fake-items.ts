/**
 * Pending items with real operator signatures, as the engine would hand them to the UI: used
 * by the development fake bridge and by the renderer's Playwright tests and benchmark (which
 * build 1,000 of them in Node). Pure: runs in Node and the browser.
 */
import type { PendingItem } from '../../src/approver/api.ts';
import type { Approval } from '../../src/core/api.ts';
import { canonicalize } from '../../src/core/canonical.ts';
import { fingerprintOf, type KeyPair, keyIdOf, randomBytes, shortCode } from '../../src/core/crypto.ts';
import { b64url, toHex } from '../../src/core/encoding.ts';
import type { Action, ApproverConfirmation } from '../../src/core/schemas.ts';
import { buildReceipt } from '../../src/core/statements.ts';

export interface FakeItemInput {
  teamId: string;
  operator: KeyPair;
  action: Action;
  ruleId: string | null;
  expiresInMs: number;
  /** How long ago the approval was opened. Default 95 s. */
  createdAgoMs?: number;
  policyVersion?: string;
  /** Change the params after signing: the item shows as quarantined. */
  tamper?: boolean;
  /** The operator key is not trusted on this device yet. */
  firstSeen?: boolean;
  confirm?: ApproverConfirmation;
  /** Fixed approval id (default random). */
  id?: string;
  /** The time everything is relative to (default now). */
  now?: number;
}

export function makePendingItem(input: FakeItemInput): PendingItem {
  const { action, operator, tamper = false, firstSeen = false } = input;
  const now = input.now ?? Date.now();
  const iso = (offsetMs: number) => new Date(now + offsetMs).toISOString();
  const receipt = buildReceipt(
    {
      teamId: input.teamId,
      action,
      verdict: 'suspend',
      policy: { version: input.policyVersion ?? '2026-11-27.3', ruleId: input.ruleId },
      ...(input.confirm ? { confirm: input.confirm } : {}),
    },
    operator.secretKey,
  );
  const approval: Approval = {
    id: input.id ?? `apr_${toHex(randomBytes(8))}`,
    teamId: input.teamId,
    status: 'pending',
    receipt,
    challenge: b64url.encode(randomBytes(32)),
    createdAt: iso(-(input.createdAgoMs ?? 95_000)),
    expiresAt: iso(input.expiresInMs),
    cosignature: null,
    decidedAt: null,
  };
  if (tamper) (approval.receipt.statement.action.params as Record<string, unknown>).amount = 990000;
  const fingerprint = fingerprintOf(operator.publicKey);
  const reasons = [
    ...(tamper ? ['action hash does not match the action (the params were changed after signing)'] : []),
    ...(firstSeen
      ? [
          `operator key ${fingerprint} is not trusted on this device for workflow "${action.workflow}" (first seen): compare its fingerprint with your team admin, then trust it before approving`,
        ]
      : []),
  ];
  return {
    approval,
    verification: { ok: reasons.length === 0, reasons },
    quarantined: tamper,
    operator: {
      keyId: keyIdOf(operator.publicKey),
      fingerprint,
      publicKey: b64url.encode(operator.publicKey),
      workflow: action.workflow,
      trust: firstSeen ? 'first_seen' : 'trusted',
      pinnedKeys: [],
    },
    shortCode: shortCode(receipt.statement.actionHash),
    canonicalAction: canonicalize(approval.receipt.statement.action),
    receivedAt: iso(-90_000),
  };
}

const TOOLS = ['payments.refund', 'email.send', 'deploy.production', 'db.delete', 'data.export', 'crm.merge'] as const;

/** The action of the i-th item of a bulk queue: varied tools, accounts and amounts, deterministic. */
export function bulkAction(i: number, now = Date.now()): Action {
  const tool = TOOLS[i % TOOLS.length] ?? 'payments.refund';
  const params: Action['params'] =
    tool === 'payments.refund'
      ? { amount: 100 + ((i * 37) % 4900), currency: i % 2 ? 'EUR' : 'USD', orderId: `ord-${10000 + i}` }
      : tool === 'email.send'
        ? { to: `customer${i}@example.org`, subject: `Your case #${i}` }
        : tool === 'deploy.production'
          ? { service: `svc-${i % 17}`, version: `v1.${i}` }
          : tool === 'db.delete'
            ? { table: `events_${i % 9}`, rows: 1000 + i }
            : tool === 'data.export'
              ? { dataset: 'customers', destination: { region: 'eu' } }
              : { from: `c-${i}`, into: `c-${i + 1}` };
  return {
    tool,
    account: `cust-${1000 + (i % 250)}`,
    workflow: `agent-${i % 5}`,
    capturedAt: new Date(now - 100_000).toISOString(),
    summary: `Item ${i} as the agent describes it`,
    params,
  };
}
