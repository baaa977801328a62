/**
 * `heso-approver trust …`: the operator keys this profile trusts (SSH-style), with their workflows.
 *
 *   trust list
 *   trust add-operator PUBLIC_KEY --workflow W [--workflow W2] [--replace]   (admin pins up front)
 *   trust confirm APPROVAL_ID [--fingerprint FP] [--yes]                      (trust a shown item's key)
 *   trust remove KEY_ID|FINGERPRINT [--workflow W]
 */
import type { TrustedOperatorView } from '../api.ts';
import { escapeUntrusted as esc } from '../display.ts';
import { InputError } from '../errors.ts';
import { promptLine } from '../terminal.ts';
import { type CliContext, EXIT, fetchOrFail, output, requirePositional } from './common.ts';

const USAGE =
  'usage: heso-approver trust list | trust add-operator PUBLIC_KEY --workflow W [--replace] | trust confirm APPROVAL_ID [--fingerprint FP] | trust remove KEY_ID [--workflow W]';

export async function trustCommand(ctx: CliContext, sub: string | undefined): Promise<number> {
  switch (sub) {
    case 'list':
      return list(ctx);
    case 'add-operator':
      return addOperator(ctx);
    case 'confirm':
      return confirm(ctx);
    case 'remove':
      return remove(ctx);
    default:
      throw new InputError(USAGE);
  }
}

function renderTrusted(list: TrustedOperatorView[]): string {
  if (list.length === 0) {
    return 'No operator keys trusted in this profile yet: requests show "first seen" until you trust their key.';
  }
  return list
    .map((t) =>
      [
        `${t.fingerprint}  (${t.source} ${t.addedAt})`,
        `  key id     ${t.keyId}`,
        `  public key ${t.publicKey}`,
        `  workflows  ${t.workflows.map(esc).join(', ')}`,
      ].join('\n'),
    )
    .join('\n\n');
}

async function list(ctx: CliContext): Promise<number> {
  const operators = await ctx.engine.listTrustedOperators(ctx.args.values.profile);
  output(ctx, { operators }, () => renderTrusted(operators));
  return EXIT.ok;
}

async function addOperator(ctx: CliContext): Promise<number> {
  const publicKey = requirePositional(ctx, 2, 'operator PUBLIC_KEY (base64url)');
  // No --workflow: the engine refuses, naming the flag (one rule, in operator-trust.ts).
  const workflows = ctx.args.values.workflow ?? [];
  const operators = await ctx.engine.trustOperator({
    publicKey,
    workflows,
    replace: ctx.args.values.replace ?? false,
    profile: ctx.args.values.profile,
  });
  output(ctx, { operators }, () => `Trusted.\n\n${renderTrusted(operators)}`);
  return EXIT.ok;
}

async function confirm(ctx: CliContext): Promise<number> {
  const id = requirePositional(ctx, 2, 'approval ID');
  const item = await fetchOrFail(ctx, id);
  const { operator } = item;
  let fingerprint = ctx.args.values.fingerprint;
  if (fingerprint === undefined) {
    if (ctx.json || !process.stdin.isTTY) {
      throw new InputError(
        `pass the fingerprint you compared with your team admin: --fingerprint "${operator.fingerprint}" (this is the key that signed ${esc(id)})`,
      );
    }
    process.stdout.write(
      [
        `Request ${esc(id)} (workflow ${esc(operator.workflow)}) is signed by operator key`,
        `  ${operator.fingerprint}`,
        'Compare it with the fingerprint your team admin gave you through another channel.',
        '',
      ].join('\n'),
    );
    const answer = (await promptLine('Type "trust" if they match exactly: ')).trim().toLowerCase();
    if (answer !== 'trust') {
      process.stderr.write('Not trusted.\n');
      return EXIT.failed;
    }
    fingerprint = operator.fingerprint;
  }
  const updated = await ctx.engine.trustItemOperator({ approvalId: id, fingerprint, profile: ctx.args.values.profile });
  output(
    ctx,
    { item: updated },
    () =>
      `Trusted operator key ${updated.operator.fingerprint} for workflow ${esc(updated.operator.workflow)}. You can now review and approve ${esc(id)}.`,
  );
  return EXIT.ok;
}

async function remove(ctx: CliContext): Promise<number> {
  const keyId = requirePositional(ctx, 2, 'KEY_ID or FINGERPRINT');
  const workflow = ctx.args.values.workflow?.[0];
  const operators = await ctx.engine.removeTrustedOperator({
    keyId,
    ...(workflow === undefined ? {} : { workflow }),
    profile: ctx.args.values.profile,
  });
  output(ctx, { operators }, () => `Removed.\n\n${renderTrusted(operators)}`);
  return EXIT.ok;
}
