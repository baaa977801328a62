/** Shared pieces of the `heso-approver` CLI: help text, exit codes, output helpers. */

import { terminalSafe } from '../../core/terminal-text.ts';
import type { PendingItem } from '../api.ts';
import { jsonForTerminal } from '../display.ts';
import type { ApproverEngine } from '../engine.ts';
import { ApproverError, InputError, KeychainUnavailableError, RemoteError } from '../errors.ts';
import { errorMessage } from '../runtime.ts';

export const EXIT = {
  ok: 0,
  /** The command ran but the answer is "no": decision refused/expired/already decided, log tampered, not found. */
  failed: 1,
  usage: 2,
  keychain: 3,
  /** The control plane was unreachable or rejected the API key. */
  remote: 4,
} as const;

export interface ParsedArgs {
  values: {
    help?: boolean;
    json?: boolean;
    'config-dir'?: string;
    'data-dir'?: string;
    profile?: string;
    endpoint?: string;
    team?: string;
    name?: string;
    'api-key-env'?: string;
    watch?: boolean;
    reason?: string;
    yes?: boolean;
    workflow?: string[];
    replace?: boolean;
    fingerprint?: string;
  };
  positionals: string[];
}

export interface CliContext {
  engine: ApproverEngine;
  args: ParsedArgs;
  json: boolean;
  configDir: string;
  dataDir: string;
}

export const HELP = `heso-approver: co-sign suspended agent actions from this device (headless).

Usage: heso-approver [global options] <command> [options]

Commands
  init                      Create a profile: generate your L1 key in the OS keychain, store the team
                            API key in the keychain, enrol your public key (pending until an admin activates it)
      --endpoint URL        control plane base URL
      --team ID             team id
      --name NAME           your display name, as your admin knows you
      --api-key-env VAR     read the API key from environment variable VAR (otherwise: hidden prompt,
                            or the first line of stdin when it is not a terminal). Never an argument.
  status                    Profiles, key status (asks the control plane) and connectivity
  list [--watch]            Pending approvals; --watch follows the live queue until Ctrl-C
  show ID                   Every field of an approval, its rule, hash, short code, expiry and verification
  approve ID [--reason R] [--yes]
                            Sign and submit an approval (asks you to confirm unless --yes)
  deny ID --reason R        Sign and submit a denial
  history                   This device's signed audit log
  verify-log                Check the audit log chain and signatures; names the first bad entry
  key show                  Your public key, key id and fingerprint (never the private key)
  key rotate                New key vouched for by the old one, enrolled (pending); the old key revoked
  trust list                Operator keys this profile trusts, with the workflows they sign for
  trust add-operator PUBLIC_KEY --workflow W [--workflow W2] [--replace]
                            Pin an operator key up front (admin). --replace re-pins workflows pinned to
                            another key, after the admin confirmed the key change
  trust confirm ID [--fingerprint FP]
                            Trust the key that signed a shown request, after comparing its fingerprint
                            with your team admin (asks you in a terminal; --fingerprint otherwise)
  trust remove KEY_ID|FINGERPRINT [--workflow W]
                            Stop trusting an operator key (or only one workflow of it)
  profile list              Profiles on this device
  profile remove NAME [--yes]
                            Delete a profile and its keychain items (the audit log is kept, renamed)

Global options
  --profile NAME            which profile (default: the only one)
  --config-dir DIR          where profiles.json lives (default: $HESO_APPROVER_CONFIG_DIR, else the per-OS
                            config dir, e.g. ~/.config/heso-approver; shared with the desktop app)
  --data-dir DIR            audit log and decision outbox (default: $HESO_APPROVER_DATA_DIR, else the config dir)
  --json                    machine-readable output (one JSON document; --watch prints one per line)
  -h, --help                this help

Exit codes: 0 ok · 1 refused / expired / already decided / not found / log tampered · 2 usage
            3 OS keychain unavailable · 4 control plane unreachable or API key rejected
`;

export function exitCodeFor(err: unknown): { code: string; exit: number; message: string } {
  if (err instanceof KeychainUnavailableError) return { code: err.code, exit: EXIT.keychain, message: err.message };
  if (err instanceof InputError) return { code: err.code, exit: EXIT.usage, message: err.message };
  if (err instanceof RemoteError) return { code: err.code, exit: EXIT.remote, message: err.message };
  if (err instanceof ApproverError) return { code: err.code, exit: EXIT.failed, message: err.message };
  const message = errorMessage(err);
  return { code: 'unexpected', exit: EXIT.failed, message: `unexpected error: ${message}` };
}

/** Prints a result: the JSON document in --json mode, else the text (never a raw control or bidi character). */
export function output(ctx: CliContext, jsonValue: unknown, text: () => string): void {
  if (ctx.json) process.stdout.write(`${jsonForTerminal({ ok: true, ...(jsonValue as object) })}\n`);
  else writeText(text());
}

/** Every line of text the CLI prints goes through here: the last guard against terminal injection. */
export function writeText(text: string, stream: NodeJS.WritableStream = process.stdout): void {
  stream.write(`${terminalSafe(text)}\n`);
}

export function requirePositional(ctx: CliContext, index: number, what: string): string {
  const value = ctx.args.positionals[index];
  if (value === undefined || value === '') throw new InputError(`missing ${what}. Run \`heso-approver --help\`.`);
  return value;
}

/** The approval `id` as the engine holds or fetches it; refuses an answer about another id or team. */
export async function fetchOrFail(ctx: CliContext, id: string): Promise<PendingItem> {
  const profile = await ctx.engine.resolveProfile(ctx.args.values.profile);
  const item = await ctx.engine.fetchItem(id, profile.name);
  // Messages are escaped where errors are printed (formatCliFailure), so ids go in as they are.
  if (!item) throw new NotFound(`no approval "${id}" for this team`);
  // The client already refuses another id or team; checked here too, since this is what gets shown and signed.
  if (item.approval.id !== id || item.approval.teamId !== profile.teamId) {
    throw new WrongAnswer(
      `the control plane answered with approval "${item.approval.id}" of team "${item.approval.teamId}" when asked for "${id}" of team "${profile.teamId}"; refused, nothing was signed`,
    );
  }
  return item;
}

class NotFound extends ApproverError {
  override name = 'NotFound';
  constructor(message: string) {
    super('not_found', message);
  }
}

class WrongAnswer extends ApproverError {
  override name = 'WrongAnswer';
  constructor(message: string) {
    super('wrong_answer', message);
  }
}
