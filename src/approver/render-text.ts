/**
 * Plain-text rendering of engine views for the terminal (`heso-approver show`, `list`,
 * `history`). Every value an agent or server controls goes through `escapeUntrusted`.
 */
import type { AuditEntryView, PendingItem, ProfileView } from './api.ts';
import { escapeUntrusted as esc, flattenForDisplay, hasBidiControls, hasHiddenCharacters, quote } from './display.ts';

/** "in 9 min", "3 s ago": how far `iso` is from `nowMs`. */
export function relativeTime(iso: string, nowMs: number): string {
  const delta = Date.parse(iso) - nowMs;
  const abs = Math.abs(delta);
  const unit =
    abs < 60_000
      ? `${Math.round(abs / 1000)} s`
      : abs < 3_600_000
        ? `${Math.round(abs / 60_000)} min`
        : abs < 172_800_000
          ? `${Math.round(abs / 3_600_000)} h`
          : `${Math.round(abs / 86_400_000)} days`;
  return delta >= 0 ? `in ${unit}` : `${unit} ago`;
}

function table(rows: [string, string][], indent = ''): string[] {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${indent}${k.padEnd(width)}  ${v}`);
}

export function renderItem(item: PendingItem, nowMs: number): string {
  const a = item.approval;
  const st = a.receipt.statement;
  const action = st.action;
  const lines: string[] = [];
  lines.push(`Approval ${esc(a.id)}`);
  lines.push(
    ...table([
      ['Status', `${a.status}, expires ${a.expiresAt} (${relativeTime(a.expiresAt, nowMs)})`],
      ['Short code', `${item.shortCode}   compare it with the code the agent printed`],
      [
        'Verification',
        item.verification.ok
          ? 'OK: operator signature and trusted key, action hash, policy reference, verdict and expiry checked on this device'
          : item.quarantined
            ? 'FAILED: quarantined, you can only deny or ignore it'
            : 'NOT YET: the operator key is not trusted on this device (see Operator key)',
      ],
    ]),
  );
  for (const reason of item.verification.reasons) lines.push(`               - ${esc(reason)}`);
  lines.push(
    ...table([
      ['Team', esc(a.teamId)],
      [
        'Policy',
        `version ${esc(st.policy.version)}, ${st.policy.ruleId === null ? 'the policy default verdict' : `rule ${esc(st.policy.ruleId)}`}`,
      ],
      ['Verdict', st.verdict],
      ['Action hash', st.actionHash],
      ['Receipt', esc(st.receiptId)],
      ['Operator key', operatorText(item)],
      ['Opened', `${a.createdAt} (${relativeTime(a.createdAt, nowMs)})`],
      ...quorumRows(item, nowMs),
    ]),
  );
  lines.push('', 'Action (this is exactly what you sign):');
  const fields: [string, string][] = [
    ['tool', quote(action.tool)],
    ['account', quote(action.account)],
    ['workflow', quote(action.workflow)],
    ['capturedAt', quote(action.capturedAt)],
  ];
  if (action.summary !== undefined)
    fields.push(['summary', `${quote(action.summary)}   (the agent's own words; the params are what count)`]);
  const params = flattenForDisplay(action.params, 'params');
  for (const line of params)
    fields.push([line.path, line.suspicious ? `${line.value}   ⚠ hidden characters shown escaped` : line.value]);
  lines.push(...table(fields, '  '));
  const untrusted = [action.summary ?? '', item.canonicalAction];
  if (untrusted.some(hasBidiControls)) {
    lines.push(
      '',
      '⚠ This action contains bidirectional-override characters (shown as \\u202E etc.): read it carefully.',
    );
  } else if (untrusted.some(hasHiddenCharacters)) {
    lines.push('', '⚠ This action contains control or invisible characters, shown as escapes.');
  }
  return lines.join('\n');
}

/** Requirement, who decided, what is missing and what your decision adds (quorum approvals only). */
function quorumRows(item: PendingItem, nowMs: number): [string, string][] {
  const q = item.quorum;
  if (!q) return [];
  const rows: [string, string][] = [
    ['Approvals', `${q.summary} · ${q.progress.approvals} of ${q.progress.required} · ${q.waitingFor}`],
  ];
  for (const d of q.decisions) {
    const groups = d.groups.length ? ` (${esc(d.groups.join(', '))})` : '';
    const who = d.mine ? 'you' : esc(d.approverName);
    rows.push([
      '',
      `${who}${groups} ${d.decision === 'approve' ? 'approved' : 'denied'} ${relativeTime(d.decidedAt, nowMs)}`,
    ]);
  }
  if (q.rejected > 0)
    rows.push(['', `${q.rejected} decision(s) relayed by the control plane did not verify: not counted`]);
  rows.push(['Your decision', q.yourPart]);
  return rows;
}

function operatorText(item: PendingItem): string {
  const o = item.operator;
  const workflow = quote(o.workflow);
  switch (o.trust) {
    case 'trusted':
      return `${o.fingerprint}  trusted for workflow ${workflow}`;
    case 'first_seen':
      return `${o.fingerprint}  FIRST SEEN for workflow ${workflow}: compare this fingerprint with your team admin, then \`heso-approver trust confirm ${esc(item.approval.id)}\``;
    case 'changed':
      return `${o.fingerprint}  CHANGED: workflow ${workflow} is pinned to ${o.pinnedKeys.map((k) => k.fingerprint).join(', ')}`;
    default: {
      const never: never = o.trust;
      return never;
    }
  }
}

export function renderItemRow(item: PendingItem, nowMs: number): string {
  const a = item.approval;
  const st = a.receipt.statement;
  const flag = item.quarantined ? 'QUARANTINED' : item.verification.ok ? 'verified' : 'NEW OPERATOR KEY';
  return [
    esc(a.id),
    item.shortCode,
    esc(st.action.tool),
    esc(st.action.account),
    `expires ${relativeTime(a.expiresAt, nowMs)}`,
    flag,
    item.quorum
      ? `${item.quorum.progress.approvals}/${item.quorum.progress.required} approvals, ${item.quorum.waitingFor}`
      : '',
    st.action.summary === undefined ? '' : quote(st.action.summary.slice(0, 60)),
  ]
    .filter((part, i) => i !== 6 || part !== '')
    .join('  ');
}

export function renderProfile(p: ProfileView): string {
  const status =
    p.keyStatus === 'pending'
      ? 'pending: ask your team admin to activate it after comparing the fingerprint'
      : p.keyStatus === 'unknown'
        ? 'unknown: run `heso-approver status`'
        : p.keyStatus;
  return table([
    ['Profile', esc(p.name)],
    ['Endpoint', esc(p.endpoint)],
    ['Team', esc(p.teamId)],
    ['Display name', esc(p.displayName)],
    ['Key id', p.keyId],
    ['Fingerprint', p.fingerprint],
    ['Public key', p.publicKey],
    ['Key status', status],
    ['API key role', apiKeyRoleText(p.apiKeyRole)],
    [
      'API key',
      p.hasApiKey ? 'in the OS keychain' : 'MISSING from the OS keychain: remove the profile and run init again',
    ],
  ]).join('\n');
}

export function renderAuditEntry(e: AuditEntryView): string {
  return `${String(e.seq).padStart(4)}  ${e.at}  ${e.kind.padEnd(8)}  ${esc(e.summary)}`;
}

function apiKeyRoleText(role: ProfileView['apiKeyRole']): string {
  switch (role) {
    case 'approver':
    case 'admin':
      return role;
    case 'legacy':
      return 'legacy (made before key roles; ask your team admin for an approver key)';
    case 'operator':
      return 'operator: meant for agents, it cannot see the queue; ask your team admin for an approver key';
    case 'unknown':
      return 'unknown: run `heso-approver status`';
  }
}
