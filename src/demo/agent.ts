/**
 * The demo agent: a stream of realistic actions through the HESO guard against a team's
 * policy. Allowed ones "run", blocked ones are refused, suspended ones wait for an approver
 * (printing the short code to match on the approver's screen) and run only after the
 * co-signature verifies here.
 *
 *   HESO_API_KEY=heso_… npm run demo:agent -- --endpoint http://127.0.0.1:8787 --team T
 *
 * Options: --data-dir DIR (default .heso, the same as `heso init` and `heso trust`), --count N (default 10), --interval MS
 * (default 1500), --once (one of each case, then exit), --seed N, --approval-seconds S,
 * --observe, --json (one JSON event per line).
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { sleep } from '../core/backoff.ts';
import { formatCliFailure, jsonForTerminal, terminalSafe } from '../core/terminal-text.ts';
import {
  type ActionInput,
  configure,
  createGuard,
  DEFAULT_DATA_DIR,
  dataDirPaths,
  type GuardEvent,
  HesoApprovalError,
  HesoBlockedError,
  HesoError,
  initDataDir,
} from '../sdk/index.ts';
import { DEMO_WORKFLOW, demoStream, demoTour } from './actions.ts';

const HELP = `usage: HESO_API_KEY=… npm run demo:agent -- --endpoint URL --team TEAM [options]

  --endpoint URL          control plane base URL (or HESO_ENDPOINT)
  --team TEAM             team id
  --data-dir DIR          operator data dir, created if missing (default .heso, as for heso init/trust)
  --count N               how many actions to send (default 10)
  --interval MS           pause between actions (default 1500)
  --once                  send one action of each kind, then exit
  --seed N                replay the same stream (default: random)
  --approval-seconds S    how long approvals stay open (default 300)
  --observe               observe-only: record verdicts, never block
  --json                  print one JSON object per event`;

const args = (() => {
  try {
    return parseArgs({
      options: {
        endpoint: { type: 'string' },
        team: { type: 'string' },
        'data-dir': { type: 'string' },
        count: { type: 'string' },
        interval: { type: 'string' },
        once: { type: 'boolean' },
        seed: { type: 'string' },
        'approval-seconds': { type: 'string' },
        observe: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`demo agent: ${(err as Error).message}\n\n${HELP}\n`);
    process.exit(2);
  }
})();

if (args.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}

function intOption(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`demo agent: --${name} must be a whole number ≥ ${min}, got ${JSON.stringify(value)}\n`);
    process.exit(2);
  }
  return n;
}

const endpoint = args.endpoint ?? process.env.HESO_ENDPOINT;
const teamId = args.team;
const apiKey = process.env.HESO_API_KEY;
if (!endpoint || !teamId) {
  process.stderr.write(`demo agent: --endpoint and --team are required\n\n${HELP}\n`);
  process.exit(2);
}
if (!apiKey) {
  process.stderr.write(
    'demo agent: set HESO_API_KEY to an operator API key (heso-cloud key create --team … --role operator)\n',
  );
  process.exit(2);
}
const count = intOption('count', args.count, 10, 1);
const interval = intOption('interval', args.interval, 1500, 0);
const seed = intOption('seed', args.seed, Math.floor(Math.random() * 1e9), 0);
const approvalSeconds = intOption('approval-seconds', args['approval-seconds'], 300, 10);
// One data directory for every operator command: `heso init` and `heso trust add` pin keys here too.
const dataDir = args['data-dir'] ?? DEFAULT_DATA_DIR;
const json = args.json ?? false;

const time = () => new Date().toISOString().slice(11, 19);
const say = (line: string, event?: Record<string, unknown>) => {
  // Actions, approval ids and control-plane messages are shown: nothing raw reaches the terminal.
  if (json) process.stdout.write(`${jsonForTerminal({ at: new Date().toISOString(), ...event })}\n`);
  else process.stdout.write(`[${time()}] ${terminalSafe(line)}\n`);
};

const labels = new Map<string, string>();
const label = (input: ActionInput) => input.summary ?? input.tool;

function onEvent(e: GuardEvent): void {
  switch (e.type) {
    case 'verdict': {
      const rule = e.ruleId ? `rule ${e.ruleId}` : 'default verdict';
      const what = e.action.summary ?? e.action.tool;
      labels.set(e.receiptId, what);
      say(`${what} → ${e.verdict.toUpperCase()} (${rule})${e.mode === 'observe' ? ' [observe only]' : ''}`, {
        event: 'verdict',
        tool: e.action.tool,
        verdict: e.verdict,
        ruleId: e.ruleId,
        receiptId: e.receiptId,
      });
      return;
    }
    case 'waiting':
      say(
        `  ⏳ waiting for approval — code ${e.shortCode} (approval ${e.approvalId}, expires ${e.expiresAt.slice(11, 19)} UTC)`,
        {
          event: 'waiting',
          approvalId: e.approvalId,
          shortCode: e.shortCode,
          expiresAt: e.expiresAt,
        },
      );
      return;
    case 'decided':
      say(
        `  ${e.outcome === 'approved' ? '✔' : '✖'} approval ${e.approvalId}: ${e.outcome}${e.approverKeyId ? ` by approver ${e.approverKeyId.slice(0, 8)}…` : ''}${e.reasons.length ? ` — ${e.reasons.join('; ')}` : ''}`,
        {
          event: 'decided',
          approvalId: e.approvalId,
          outcome: e.outcome,
          serverStatus: e.serverStatus,
          reasons: e.reasons,
        },
      );
      return;
    case 'unpinned_approvers':
      say(
        [
          `The team lists ${e.approvers.length} active approver key(s) that this agent does not trust yet.`,
          'Their co-signatures will be refused until you pin them (after comparing fingerprints with the approver):',
          ...e.approvers.map(
            (a) =>
              `  ${a.fingerprint}  ${a.name}\n    heso trust add ${a.publicKey} --name ${JSON.stringify(a.name)} --data-dir ${dataDir}`,
          ),
        ].join('\n'),
        { event: 'unpinned_approvers', keyIds: e.approvers.map((a) => a.keyId) },
      );
      return;
    case 'policy_unavailable':
      say(
        `  ! could not pull the policy: ${e.error.message}${e.usingCachedVersion ? ` (using cached ${e.usingCachedVersion})` : ''}`,
        {
          event: 'policy_unavailable',
          message: e.error.message,
        },
      );
      return;
    case 'outbox':
      if (e.event.type === 'push_failed')
        say(`  ! receipts not pushed yet (${e.event.remaining} waiting): ${e.event.error.message}`, {
          event: 'outbox_retry',
          remaining: e.event.remaining,
        });
      else if (e.event.type === 'refused')
        say(`  ! receipt ${e.event.receiptId} refused: ${e.event.reason}`, { event: 'receipt_refused' });
      return;
    default: {
      const unreachable: never = e;
      throw new Error(`unknown guard event ${JSON.stringify(unreachable)}`);
    }
  }
}

async function main(): Promise<number> {
  if (!existsSync(dataDirPaths(dataDir).operatorKey)) {
    // Never edits a tracked .gitignore: the data dir ignores itself (its own .gitignore is `*`).
    const r = initDataDir(dataDir, { gitignore: false });
    say(`Created operator data in ${r.dataDir} (key ${r.fingerprint})`, { event: 'init', keyId: r.keyId });
  }
  configure(apiKey!, endpoint!);
  const guard = createGuard({
    teamId: teamId!,
    dataDir,
    workflow: DEMO_WORKFLOW,
    mode: args.observe ? 'observe' : 'enforce',
    approvalExpiresInSeconds: approvalSeconds,
    onEvent,
  });
  const policy = await guard.policy();
  const pinned = guard.trust.list().length;
  say(
    `Demo agent for team ${teamId} — policy ${policy.version}, ${policy.rules.length} rules, ${pinned} pinned approver key(s)`,
    {
      event: 'start',
      policyVersion: policy.version,
      pinnedApprovers: pinned,
    },
  );
  if (pinned === 0)
    say(
      `  ! no approver keys pinned in ${dataDir}: suspended actions will be refused until you run \`heso trust add PUBLIC_KEY --data-dir ${dataDir}\``,
      { event: 'no_pinned_approvers' },
    );

  const actions = args.once ? demoTour() : demoStream(count, seed);
  const tally = { ran: 0, blocked: 0, approved: 0, refused: 0, failed: 0 };
  const inFlight: Promise<void>[] = [];
  let stopping = false;
  process.once('SIGINT', () => {
    stopping = true;
    say('Stopping: waiting for actions in flight (Ctrl-C again to quit now)…', { event: 'stopping' });
    process.once('SIGINT', () => process.exit(130));
  });

  for (const [i, input] of actions.entries()) {
    if (stopping) break;
    // Suspended actions wait in the background so the stream keeps flowing, as a real agent's would.
    inFlight.push(
      guard
        .run(input, (ctx) => {
          if (ctx.approvalId) tally.approved++;
          tally.ran++;
          say(`  ▶ ran: ${label(input)}`, { event: 'ran', receiptId: ctx.receipt.statement.receiptId });
        })
        .catch((err: unknown) => {
          if (err instanceof HesoBlockedError) tally.blocked++;
          else if (err instanceof HesoApprovalError) {
            tally.refused++;
            // The approver's reason is their own signed words: the operator sees why it did not run.
            say(`  ✋ not run: ${label(input)}: ${err.message}`, {
              event: 'not_run',
              code: err.code,
              approvalId: err.approvalId,
              approverReason: err.approverReason,
            });
          } else {
            tally.failed++;
            say(`  ✖ ${label(input)}: ${err instanceof Error ? err.message : String(err)}`, {
              event: 'error',
              message: String(err),
            });
          }
        }),
    );
    if (i < actions.length - 1 && interval > 0) await sleep(interval);
  }
  await Promise.all(inFlight);
  await guard.close({ drainTimeoutMs: 10_000 });
  const pending = guard.outbox.pending().length;
  say(
    `Done: ${tally.ran} ran (${tally.approved} after approval), ${tally.blocked} blocked, ${tally.refused} not approved, ${tally.failed} failed; ${pending} receipt(s) still in the outbox`,
    { event: 'done', ...tally, outboxPending: pending },
  );
  return tally.failed ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const message = err instanceof HesoError || err instanceof Error ? err.message : String(err);
    process.stderr.write(`${formatCliFailure('demo agent', { code: 'failed', message }, { json: false })}\n`);
    process.exitCode = 1;
  },
);
