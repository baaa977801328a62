/**
 * `heso-cloud`: run the control plane and administer it (teams, API keys, policy, approver
 * activation). Admin commands work on the database file directly; they are not on the HTTP API.
 * Exit codes: 0 done, 1 failed (not found, conflict, bad file), 2 usage error.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as admin from '../cloud/admin.ts';
import { AdminError } from '../cloud/admin.ts';
import { createCloudServer } from '../cloud/server.ts';
import { SqliteCloudStore } from '../cloud/sqlite-store.ts';
import { ISSUED_ROLES } from '../core/api.ts';
import type { ApproverRecord } from '../core/schemas.ts';
import { formatCliFailure, jsonForTerminal, terminalSafe } from '../core/terminal-text.ts';
import { parseJsonText, ValidationError } from '../core/validate.ts';

const HELP = `heso-cloud — the HESO control plane

Usage:
  heso-cloud serve [--init] [--host 127.0.0.1] [--port 8787] [--db FILE] [--log-level info]
                   [--rate-limit 50]       requests per second per API key (bursts of 12×);
                                           all keys of one role in a team: 4× that
                   --init creates the database when it does not exist yet
  heso-cloud team create NAME              creates the database too, the first time
  heso-cloud team list
  heso-cloud key create --team TEAM --role operator|approver|admin
                                           prints the API key once. Roles:
                                             operator  agents: policy, receipts, their own approvals
                                             approver  a person's app: queue, decisions, approver keys
                                             admin     everything (both of the above)
  heso-cloud key list --team TEAM          with each key's role (legacy: made before roles)
  heso-cloud key revoke KEYID|APIKEY
  heso-cloud policy set --team TEAM FILE   FILE is JSON (docs/policy.md); - reads stdin
  heso-cloud policy get --team TEAM
  heso-cloud approver list --team TEAM
  heso-cloud approver activate --team TEAM KEYID [--fingerprint "XXXX XXXX …"]
  heso-cloud approver revoke --team TEAM KEYID

Options (every command):
  --db FILE    SQLite database (default $HESO_CLOUD_DB, else ./heso-cloud.db). Only
               \`serve --init\` and \`team create\` create it; every other command
               refuses a database that does not exist (a typo or another directory).
  --json       machine-readable output
  --help       this help

Exit codes: 0 done, 1 failed, 2 usage error.`;

class UsageError extends Error {}

const DEFAULT_DB = './heso-cloud.db';

const OPTIONS = {
  db: { type: 'string' },
  init: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  team: { type: 'string' },
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '8787' },
  'log-level': { type: 'string', default: 'info' },
  fingerprint: { type: 'string' },
  role: { type: 'string' },
  'rate-limit': { type: 'string', default: '50' },
} as const;

type Flags = {
  db?: string;
  init: boolean;
  json: boolean;
  help: boolean;
  team?: string;
  host: string;
  port: string;
  'log-level': string;
  fingerprint?: string;
  role?: string;
  'rate-limit': string;
};

/** Team names, labels and policy texts come from input: never a raw control or bidi character on the terminal. */
function print(json: boolean, value: unknown, text: string): void {
  process.stdout.write(json ? `${jsonForTerminal(value, 2)}\n` : `${terminalSafe(text)}\n`);
}

function requireTeam(flags: Flags): string {
  if (!flags.team) throw new UsageError('--team TEAM is required');
  return flags.team;
}

function requireArg(args: string[], index: number, name: string): string {
  const value = args[index];
  if (value === undefined || value === '') throw new UsageError(`${name} is required`);
  return value;
}

/** The database path and where it came from, for messages that say where we looked. */
function databaseOf(flags: Flags): { path: string; source: string } {
  if (flags.db !== undefined) return { path: flags.db, source: '--db' };
  const fromEnv = process.env.HESO_CLOUD_DB;
  if (fromEnv) return { path: fromEnv, source: 'HESO_CLOUD_DB' };
  return { path: DEFAULT_DB, source: 'the default, in the current directory' };
}

/** Opens the database; only the commands that may create one get a new file, the others say where they looked. */
function openStore(flags: Flags, mayCreate: boolean): SqliteCloudStore {
  const { path, source } = databaseOf(flags);
  if (!mayCreate && path !== ':memory:' && !existsSync(path))
    throw new AdminError(
      'not_found',
      `no database at ${resolve(path)} (${source}). Give --db FILE or set HESO_CLOUD_DB to your database, ` +
        'or create one with `heso-cloud team create NAME` or `heso-cloud serve --init`.',
    );
  return openStoreAt(path);
}

function openStoreAt(path: string): SqliteCloudStore {
  try {
    return new SqliteCloudStore({ path });
  } catch (err) {
    throw new AdminError('bad_request', `cannot open database ${path}: ${err instanceof Error ? err.message : err}`);
  }
}

function approverLine(a: ApproverRecord): string {
  return `${a.keyId}  ${a.status.padEnd(8)}  ${a.fingerprint}  ${a.name}`;
}

async function serve(flags: Flags): Promise<void> {
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be 0–65535');
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
  const level = levels.find((l) => l === flags['log-level']);
  if (!level) throw new UsageError(`--log-level must be one of ${levels.join(', ')}`);
  const perSecond = Number(flags['rate-limit']);
  if (!(perSecond > 0)) throw new UsageError('--rate-limit must be a positive number of requests per second');
  const store = openStore(flags, flags.init);
  // Logs go to stderr so stdout carries only this command's own output (the listening line).
  const app = createCloudServer({
    store,
    logger: { level, stream: process.stderr },
    // The role budgets scale with the key budget (the defaults are 4× and 48× it: 200/s, 2,400),
    // so that raising --rate-limit (benchmarks, big teams) is not undone by the role's budget.
    limits: {
      rateLimit: {
        perSecond,
        burst: Math.ceil(perSecond * 12),
        rolePerSecond: perSecond * 4,
        roleBurst: Math.ceil(perSecond * 48),
      },
    },
  });
  let address: string;
  try {
    address = await app.listen({ host: flags.host, port });
  } catch (err) {
    await store.close();
    throw new AdminError(
      'bad_request',
      `cannot listen on ${flags.host}:${port}: ${err instanceof Error ? err.message : err}`,
    );
  }
  print(flags.json, { listening: address, db: databaseOf(flags).path }, `listening ${address}`);
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    // Long-polls are answered at once on close; give in-flight requests 10 s at most.
    setTimeout(() => process.exit(1), 10_000).unref();
    await app.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

async function runAdmin(store: SqliteCloudStore, group: string, action: string, args: string[], flags: Flags) {
  const key = `${group} ${action}`;
  switch (key) {
    case 'team create': {
      const team = await admin.createTeam(store, args.join(' ') || requireArg(args, 0, 'NAME'));
      return print(
        flags.json,
        team,
        `created team "${team.name}"\n  id: ${team.id}\nnext: heso-cloud key create --team ${team.id} --role operator   (and --role approver for each person's app)`,
      );
    }
    case 'team list': {
      const teams = await admin.listTeams(store);
      return print(flags.json, { teams }, teams.map((t) => `${t.id}  ${t.name}`).join('\n') || 'no teams yet');
    }
    case 'key create': {
      const team = requireTeam(flags);
      const role = ISSUED_ROLES.find((r) => r === flags.role);
      if (!role)
        throw new UsageError(
          `${flags.role === undefined ? '--role is required' : `unknown role ${JSON.stringify(flags.role)}`}: --role operator|approver|admin (operator for agents, approver for a person's app, admin for both)`,
        );
      const created = await admin.createApiKey(store, team, role);
      return print(
        flags.json,
        created,
        `${created.role} API key for team ${created.teamId} — shown once, store it in a secret manager or keychain now:\n\n  ${created.apiKey}\n\nkey id ${created.keyId} (revoke with: heso-cloud key revoke ${created.keyId})`,
      );
    }
    case 'key list': {
      const keys = await admin.listApiKeys(store, requireTeam(flags));
      const lines = keys.map(
        (k) =>
          `${k.keyId}  ${k.role.padEnd(8)}  created ${k.createdAt}${k.revokedAt ? `  revoked ${k.revokedAt}` : ''}`,
      );
      return print(flags.json, { keys }, lines.join('\n') || 'no keys');
    }
    case 'key revoke': {
      const info = await admin.revokeApiKey(store, requireArg(args, 0, 'KEYID'));
      return print(flags.json, info, `revoked API key ${info.keyId} (team ${info.teamId}); it stops working at once`);
    }
    case 'policy set': {
      const team = requireTeam(flags);
      const file = requireArg(args, 0, 'FILE');
      let text: string;
      try {
        text = readFileSync(file === '-' ? 0 : file, 'utf8');
      } catch (err) {
        throw new AdminError('bad_request', `cannot read ${file}: ${err instanceof Error ? err.message : err}`);
      }
      let doc: unknown;
      try {
        doc = parseJsonText(text, file);
      } catch (err) {
        throw new AdminError('bad_request', err instanceof ValidationError ? err.message : String(err));
      }
      const policy = await admin.setPolicy(store, team, doc);
      return print(flags.json, policy, `policy ${policy.version} set for team ${team} (${policy.rules.length} rules)`);
    }
    case 'policy get': {
      const team = requireTeam(flags);
      const policy = await store.getPolicy(team);
      if (!policy) throw new AdminError('not_found', `no policy set for team ${team}`);
      return print(flags.json, policy, JSON.stringify(policy.document, null, 2));
    }
    case 'approver list': {
      const approvers = await admin.listApprovers(store, requireTeam(flags));
      return print(flags.json, { approvers }, approvers.map(approverLine).join('\n') || 'no approver keys enrolled');
    }
    case 'approver activate': {
      const team = requireTeam(flags);
      const keyId = requireArg(args, 0, 'KEYID');
      const current = (await admin.listApprovers(store, team)).find((a) => a.keyId === keyId);
      const normalise = (f: string) => f.replace(/\s+/g, '').toUpperCase();
      if (current && flags.fingerprint !== undefined && normalise(flags.fingerprint) !== normalise(current.fingerprint))
        throw new AdminError(
          'conflict',
          `fingerprint mismatch: key ${keyId} has ${current.fingerprint}, you expected ${flags.fingerprint}; not activated`,
        );
      const record = await admin.activateApprover(store, team, keyId);
      return print(
        flags.json,
        record,
        `activated approver key ${record.keyId} (${record.name})\n  fingerprint: ${record.fingerprint}\nit must match the fingerprint shown in the approver's app; if it does not, revoke it now:\n  heso-cloud approver revoke --team ${team} ${record.keyId}`,
      );
    }
    case 'approver revoke': {
      const record = await admin.revokeApprover(store, requireTeam(flags), requireArg(args, 0, 'KEYID'));
      return print(
        flags.json,
        record,
        `revoked approver key ${record.keyId} (${record.name}); its decisions are refused`,
      );
    }
    default:
      throw new UsageError(`unknown command: ${key.trim() || group}`);
  }
}

async function main(argv: string[]): Promise<number> {
  let flags: Flags;
  let positionals: string[];
  try {
    const parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    flags = parsed.values as Flags;
    positionals = parsed.positionals;
  } catch (err) {
    const failure = { code: 'usage', message: err instanceof Error ? err.message : String(err) };
    process.stderr.write(`${formatCliFailure('heso-cloud', failure, { json: false, hint: `\n${HELP}` })}\n`);
    return 2;
  }
  const [group, action = '', ...rest] = positionals;
  if (flags.help || !group) {
    process.stdout.write(`${HELP}\n`);
    return flags.help ? 0 : 2;
  }
  try {
    if (group === 'serve') {
      await serve(flags);
      return -1; // keeps running
    }
    const store = openStore(flags, `${group} ${action}` === 'team create');
    try {
      await runAdmin(store, group, action, rest, flags);
    } finally {
      await store.close();
    }
    return 0;
  } catch (err) {
    const usage = err instanceof UsageError;
    const code = usage ? 'usage' : err instanceof AdminError ? err.code : 'internal';
    const message = err instanceof Error ? err.message : String(err);
    const hint = usage && !flags.json ? { hint: '(see heso-cloud --help)' } : {};
    process.stderr.write(`${formatCliFailure('heso-cloud', { code, message }, { json: flags.json, ...hint })}\n`);
    return usage ? 2 : 1;
  }
}

const exitCode = await main(process.argv.slice(2));
if (exitCode >= 0) process.exitCode = exitCode;
