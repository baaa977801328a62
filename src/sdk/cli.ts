/**
 * `heso init` and `heso trust add|list|remove`: the operator data dir and the pinned
 * approver keys. Wired into the `heso` dispatcher (src/cli/heso.ts). Exit codes: 0 done,
 * 1 failed, 2 bad usage. `--json` prints one JSON object on stdout.
 */
import { parseArgs } from 'node:util';
import { formatCliFailure, jsonForTerminal, terminalSafe } from '../core/terminal-text.ts';
import { DEFAULT_DATA_DIR, initDataDir } from './data-dir.ts';
import { HesoError } from './errors.ts';
import { TrustStore } from './trust.ts';

const INIT_HELP = `usage: heso init [--data-dir DIR] [--no-gitignore] [--json]

Creates the operator data directory (default ${DEFAULT_DATA_DIR}/): the operator signing key
(mode 0600), the outbox, the audit log and the trusted-approvers file, and adds the directory
to the .gitignore next to it. Safe to run again: an existing key is never replaced.`;

const TRUST_HELP = `usage: heso trust add PUBLIC_KEY [--name NAME] [--person ID] [--group GROUP ...]
                       [--requester OPERATOR_PUBLIC_KEY ...] [--data-dir DIR] [--json]
       heso trust list [--data-dir DIR] [--json]
       heso trust remove PUBLIC_KEY|KEY_ID [--data-dir DIR] [--json]

Pins the approver keys whose co-signatures this operator accepts. Compare the fingerprint
with the approver (in person, or on a call) before pinning: the server's list of approvers
is never trusted on its own.

For quorum rules (docs/policy.md), pin who is who here, never from the server:
  --person ID      keys pinned with the same ID are one approver (e.g. after a key rotation)
  --group GROUP    a group this approver counts in (repeat for several)
  --requester KEY  an operator key that is this approver's own: they never count towards
                   an action it requested`;

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}
// Names, paths and keys come from the command line and files: nothing raw reaches the terminal.
const stdio: Io = {
  out: (t) => process.stdout.write(`${terminalSafe(t)}\n`),
  err: (t) => process.stderr.write(`${terminalSafe(t)}\n`),
};

type Parsed = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
const OPTIONS = {
  'data-dir': { type: 'string' },
  name: { type: 'string' },
  person: { type: 'string' },
  group: { type: 'string', multiple: true },
  requester: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  'no-gitignore': { type: 'boolean' },
} as const;

function parse(argv: string[], io: Io, help: string): Parsed | number {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    io.err(`heso: ${(err as Error).message}\n\n${help}`);
    return 2;
  }
}

function fail(err: unknown, json: boolean, io: Io): number {
  const message = err instanceof Error ? err.message : String(err);
  const code = err instanceof HesoError ? err.code : 'error';
  if (json) io.out(formatCliFailure('heso', { code, message }, { json }));
  else io.err(formatCliFailure('heso', { code, message }, { json }));
  return 1;
}

export async function runInit(argv: string[], io: Io = stdio): Promise<number> {
  const args = parse(argv, io, INIT_HELP);
  if (typeof args === 'number') return args;
  if (args.values.help) {
    io.out(INIT_HELP);
    return 0;
  }
  if (args.positionals.length) {
    io.err(`heso init: unexpected argument ${JSON.stringify(args.positionals[0])}\n\n${INIT_HELP}`);
    return 2;
  }
  const json = args.values.json ?? false;
  try {
    const r = initDataDir(args.values['data-dir'] ?? DEFAULT_DATA_DIR, { gitignore: !args.values['no-gitignore'] });
    if (json) {
      io.out(jsonForTerminal({ ok: true, ...r }));
      return 0;
    }
    io.out(
      [
        r.createdKey ? `Created operator data in ${r.dataDir}` : `Operator data already in ${r.dataDir} (key kept)`,
        `  operator key id   ${r.keyId}`,
        `  fingerprint       ${r.fingerprint}`,
        `  public key        ${r.publicKey}`,
        r.gitignoreUpdated ? `  added to          ${r.gitignoreUpdated}` : '  .gitignore        already lists it',
        '',
        'Next: pin each approver key you trust, after comparing its fingerprint with the approver:',
        '  heso trust add APPROVER_PUBLIC_KEY --name "Ann"',
      ].join('\n'),
    );
    return 0;
  } catch (err) {
    return fail(err, json, io);
  }
}

export async function runTrust(argv: string[], io: Io = stdio): Promise<number> {
  const args = parse(argv, io, TRUST_HELP);
  if (typeof args === 'number') return args;
  const [verb, ...rest] = args.positionals;
  if (args.values.help || verb === undefined) {
    io.out(TRUST_HELP);
    return verb === undefined && !args.values.help ? 2 : 0;
  }
  const json = args.values.json ?? false;
  const store = new TrustStore(args.values['data-dir'] ?? DEFAULT_DATA_DIR);
  try {
    switch (verb) {
      case 'add': {
        if (rest.length !== 1) {
          io.err(`heso trust add: give exactly one approver public key\n\n${TRUST_HELP}`);
          return 2;
        }
        const { name, person, group, requester } = args.values;
        const { added, approver } = store.add(rest[0]!, {
          ...(name ? { name } : {}),
          ...(person ? { person } : {}),
          ...(group ? { groups: group } : {}),
          ...(requester ? { requesterKeys: requester } : {}),
        });
        const groups = approver.groups?.length ? `\n  groups       ${approver.groups.join(', ')}` : '';
        const who = approver.person ? `\n  person       ${approver.person}` : '';
        if (json) io.out(jsonForTerminal({ ok: true, added, approver }));
        else
          io.out(
            `${added ? 'Pinned' : 'Already pinned'}: ${approver.name}\n  key id       ${approver.keyId}\n  fingerprint  ${approver.fingerprint}${who}${groups}`,
          );
        return 0;
      }
      case 'list': {
        const approvers = store.list();
        if (json) io.out(jsonForTerminal({ ok: true, approvers }));
        else if (approvers.length === 0)
          io.out('No approver keys pinned. Suspended actions cannot be approved until you run `heso trust add`.');
        else for (const a of approvers) io.out(`${a.fingerprint}  ${a.name}  (added ${a.addedAt})\n  ${a.publicKey}`);
        return 0;
      }
      case 'remove': {
        if (rest.length !== 1) {
          io.err(`heso trust remove: give exactly one public key or key id\n\n${TRUST_HELP}`);
          return 2;
        }
        const removed = store.remove(rest[0]!);
        if (!removed) {
          const message = `no pinned approver matches ${JSON.stringify(rest[0])}; see \`heso trust list\``;
          if (json) io.out(formatCliFailure('heso', { code: 'not_found', message }, { json }));
          else io.err(formatCliFailure('heso', { code: 'not_found', message }, { json }));
          return 1;
        }
        if (json) io.out(jsonForTerminal({ ok: true, removed }));
        else io.out(`Removed: ${removed.name} (${removed.fingerprint})`);
        return 0;
      }
      default:
        io.err(`heso trust: unknown action ${JSON.stringify(verb)}\n\n${TRUST_HELP}`);
        return 2;
    }
  } catch (err) {
    return fail(err, json, io);
  }
}
