/**
 * `heso receipts get ID` and `heso receipts export [filters] > receipts.jsonl`: receipts out
 * of the control plane (or, with --local, out of the operator's own copy in the data dir),
 * exactly as signed. Nothing here is trusted because of where it came from: the client
 * refuses answers about another receipt, team or filter, and `heso verify` checks the
 * signatures. Exit codes: 0 done, 1 failed, 2 usage error.
 */
import { parseArgs } from 'node:util';
import { resolveConnection } from '../adapters/connection.ts';
import { ControlPlaneClient, ControlPlaneError, receiptFilterMismatch } from '../client/index.ts';
import type { ListReceiptsFilter } from '../core/api.ts';
import { Id, type Receipt, Timestamp, Verdict } from '../core/schemas.ts';
import { DEFAULT_DATA_DIR } from '../sdk/data-dir.ts';
import { ReceiptArchive } from '../sdk/receipt-archive.ts';
import { connectionFlags } from './adapter-options.ts';

const HELP = `usage: heso receipts get RECEIPT_ID [connection] > receipt.json
       heso receipts export [filters] [connection] > receipts.jsonl
       heso receipts export --local [--data-dir DIR] [filters] > receipts.jsonl

Prints receipts exactly as signed (co-signature included once the agent pushed it). Check
them offline with: heso verify receipts.jsonl --trust .heso/trusted-approvers.json

connection:
  --endpoint URL        control plane base URL (default: $HESO_ENDPOINT)
  --team TEAM           team id (default: $HESO_TEAM)
  --api-key-env NAME    environment variable holding the API key (default: HESO_API_KEY)
filters (export):
  --since TIME          issued at or after TIME: RFC 3339 UTC, a date (2026-12-01), or an age (30m, 24h, 7d)
  --until TIME          issued before TIME (same forms)
  --verdict V           allow | block | suspend (the verdict the operator signed)
  --tool NAME           e.g. payments.refund
  --workflow NAME       the workflow that asked
  --local               read this operator's own copy (<data dir>/receipts/), no network
  --data-dir DIR        operator data dir for --local (default ${DEFAULT_DATA_DIR})`;

class UsageError extends Error {}

const OPTIONS = {
  endpoint: { type: 'string' },
  team: { type: 'string' },
  'api-key-env': { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  verdict: { type: 'string' },
  tool: { type: 'string' },
  workflow: { type: 'string' },
  local: { type: 'boolean' },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;
type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

const AGE = /^(\d{1,6})([mhd])$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** RFC 3339 UTC, a calendar date (midnight UTC) or an age ("24h" ago), as an RFC 3339 UTC time. */
export function parseTimeArg(flag: string, value: string, now = new Date()): string {
  const age = AGE.exec(value);
  if (age) return new Date(now.getTime() - Number(age[1]) * UNIT_MS[age[2] as keyof typeof UNIT_MS]).toISOString();
  const text = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  const ms = Timestamp.safeParse(text).success ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms))
    throw new UsageError(
      `${flag} ${JSON.stringify(value)}: give an RFC 3339 UTC time, a date (2026-12-01) or an age (24h)`,
    );
  return new Date(ms).toISOString();
}

function filterOf(values: Values): ListReceiptsFilter {
  const filter: ListReceiptsFilter = {};
  if (values.since !== undefined) filter.since = parseTimeArg('--since', values.since);
  if (values.until !== undefined) filter.until = parseTimeArg('--until', values.until);
  if (values.verdict !== undefined) {
    const v = Verdict.safeParse(values.verdict);
    if (!v.success) throw new UsageError(`--verdict must be allow, block or suspend`);
    filter.verdict = v.data;
  }
  for (const flag of ['tool', 'workflow'] as const) {
    const value = values[flag];
    if (value === undefined) continue;
    if (!Id.safeParse(value).success) throw new UsageError(`--${flag} ${JSON.stringify(value)} is not a valid name`);
    filter[flag] = value;
  }
  return filter;
}

/** The adapters' connection rule (flags, then HESO_ENDPOINT / HESO_TEAM, the key from its variable). */
function connect(values: Values): { client: ControlPlaneClient; team: string } {
  try {
    const conn = resolveConnection(connectionFlags(values));
    return { client: new ControlPlaneClient({ endpoint: conn.endpoint, apiKey: conn.apiKey }), team: conn.team };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

const writeLine = (receipt: Receipt) => process.stdout.write(`${JSON.stringify(receipt)}\n`);

async function exportRemote(values: Values, filter: ListReceiptsFilter): Promise<number> {
  const { client, team } = connect(values);
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = await client.listReceipts(team, { ...filter, limit: 500, ...(cursor ? { cursor } : {}) });
    for (const { receipt } of page.receipts) writeLine(receipt);
    count += page.receipts.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return count;
}

function exportLocal(values: Values, filter: ListReceiptsFilter): number {
  const archive = new ReceiptArchive(values['data-dir'] ?? DEFAULT_DATA_DIR);
  let count = 0;
  for (const receipt of archive.list()) {
    if (receiptFilterMismatch(receipt, receipt.statement.teamId, filter)) continue;
    writeLine(receipt);
    count++;
  }
  return count;
}

export async function runReceipts(argv: string[]): Promise<number> {
  try {
    let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
    try {
      parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const { values, positionals } = parsed;
    const [verb, ...rest] = positionals;
    if (values.help || verb === undefined) {
      process.stdout.write(`${HELP}\n`);
      return values.help ? 0 : 2;
    }
    if (verb === 'get') {
      if (rest.length !== 1 || !Id.safeParse(rest[0]).success) throw new UsageError('give exactly one receipt id');
      const { client, team } = connect(values);
      const stored = await client.getReceipt(team, rest[0]!);
      process.stdout.write(`${JSON.stringify(stored.receipt, null, 2)}\n`);
      return 0;
    }
    if (verb === 'export') {
      if (rest.length) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`);
      const filter = filterOf(values);
      const count = values.local ? exportLocal(values, filter) : await exportRemote(values, filter);
      process.stderr.write(`heso receipts: exported ${count} receipt(s)\n`);
      return 0;
    }
    throw new UsageError(`unknown action ${JSON.stringify(verb)}`);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`heso receipts: ${err.message}\nRun \`heso receipts --help\` for usage.\n`);
      return 2;
    }
    if (err instanceof ControlPlaneError) {
      process.stderr.write(`heso receipts: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
