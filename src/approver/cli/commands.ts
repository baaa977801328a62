/** The `heso-approver` commands, each over the public engine API. */
import type { DecisionOutcome, PendingItem, ProfileView, QueueSnapshot } from '../api.ts';
import { escapeUntrusted as esc, jsonForTerminal, reviewedOf } from '../display.ts';
import { InputError } from '../errors.ts';
import { checkInput, DecideFields } from '../inputs.ts';
import { renderAuditEntry, renderItem, renderItemRow, renderProfile } from '../render-text.ts';
import { promptHidden, promptLine, readFirstStdinLine } from '../terminal.ts';
import { type CliContext, EXIT, fetchOrFail, output, requirePositional, writeText } from './common.ts';
import { trustCommand } from './trust.ts';

export async function runCommand(ctx: CliContext): Promise<number> {
  const [command, sub] = ctx.args.positionals;
  switch (command) {
    case 'init':
      return init(ctx);
    case 'status':
      return status(ctx);
    case 'list':
      return ctx.args.values.watch ? watch(ctx) : list(ctx);
    case 'show':
      return show(ctx);
    case 'approve':
      return decide(ctx, 'approve');
    case 'deny':
      return decide(ctx, 'deny');
    case 'history':
      return history(ctx);
    case 'verify-log':
      return verifyLog(ctx);
    case 'key':
      if (sub === 'show') return keyShow(ctx);
      if (sub === 'rotate') return keyRotate(ctx);
      throw new InputError('usage: heso-approver key show | key rotate');
    case 'trust':
      return trustCommand(ctx, sub);
    case 'profile':
      if (sub === 'list') return profileList(ctx);
      if (sub === 'remove') return profileRemove(ctx);
      throw new InputError('usage: heso-approver profile list | profile remove NAME');
    default:
      throw new InputError(`unknown command "${esc(command ?? '')}". Run \`heso-approver --help\`.`);
  }
}

const interactive = (): boolean => Boolean(process.stdin.isTTY);

async function ask(ctx: CliContext, value: string | undefined, flag: string, question: string): Promise<string> {
  if (value !== undefined && value.trim() !== '') return value.trim();
  if (!interactive() || ctx.json) throw new InputError(`missing ${flag}`);
  const answer = (await promptLine(question)).trim();
  if (answer === '') throw new InputError(`missing ${flag}`);
  return answer;
}

async function readApiKey(ctx: CliContext): Promise<string> {
  const envName = ctx.args.values['api-key-env'];
  if (envName !== undefined) {
    const value = process.env[envName];
    if (value === undefined || value.trim() === '') {
      throw new InputError(`environment variable ${envName} is not set or empty (it should hold the team API key)`);
    }
    return value.trim();
  }
  const key = interactive() ? (await promptHidden('Team API key (input hidden): ')).trim() : await readFirstStdinLine();
  if (key === '') throw new InputError('no API key given: use --api-key-env NAME, the prompt, or pipe it on stdin');
  return key;
}

async function init(ctx: CliContext): Promise<number> {
  const v = ctx.args.values;
  const endpoint = await ask(ctx, v.endpoint, '--endpoint URL', 'Control plane URL: ');
  const teamId = await ask(ctx, v.team, '--team ID', 'Team id: ');
  const displayName = await ask(ctx, v.name, '--name NAME', 'Your name (as your team admin knows you): ');
  const apiKey = await readApiKey(ctx);
  const profile = await ctx.engine.initProfile({ endpoint, teamId, apiKey, displayName, profileName: v.profile });
  output(ctx, { profile }, () =>
    [
      renderProfile(profile),
      '',
      `Your key is ${profile.keyStatus}. Send your team admin this fingerprint through another channel`,
      `(in person, phone, a chat they trust) and ask them to activate it:  ${profile.fingerprint}`,
    ].join('\n'),
  );
  return EXIT.ok;
}

async function status(ctx: CliContext): Promise<number> {
  const names = ctx.args.values.profile
    ? [ctx.args.values.profile]
    : (await ctx.engine.listProfiles()).map((p) => p.name);
  if (names.length === 0) {
    output(ctx, { profiles: [] }, () => 'No profiles on this device yet: run `heso-approver init`.');
    return EXIT.ok;
  }
  let exit: number = EXIT.ok;
  const results: { profile: ProfileView; reachable: boolean; error: string | null }[] = [];
  for (const name of names) {
    try {
      results.push({ profile: await ctx.engine.refreshKeyStatus(name), reachable: true, error: null });
    } catch (err) {
      const profile = (await ctx.engine.listProfiles()).find((p) => p.name === name) ?? null;
      if (!profile) throw err;
      results.push({ profile, reachable: false, error: (err as Error).message });
      exit = EXIT.remote;
    }
  }
  output(ctx, { profiles: results }, () =>
    results
      .map((r) =>
        [
          renderProfile(r.profile),
          r.reachable ? 'Control plane  reachable' : `Control plane  NOT reachable: ${esc(r.error ?? '')}`,
        ].join('\n'),
      )
      .join('\n\n'),
  );
  return exit;
}

function listText(snapshot: QueueSnapshot): string {
  if (snapshot.items.length === 0) return `No pending approvals for profile ${snapshot.profile ?? ''}.`;
  const now = Date.now();
  return [`${snapshot.items.length} pending:`, ...snapshot.items.map((i) => renderItemRow(i, now))].join('\n');
}

async function list(ctx: CliContext): Promise<number> {
  const snapshot = await ctx.engine.fetchQueue(ctx.args.values.profile);
  output(ctx, { profile: snapshot.profile, items: snapshot.items }, () => listText(snapshot));
  return EXIT.ok;
}

async function watch(ctx: CliContext): Promise<number> {
  const profile = await ctx.engine.resolveProfile(ctx.args.values.profile);
  const { engine } = ctx;
  const print = (event: string, payload: unknown, text: string) => {
    if (ctx.json) process.stdout.write(`${jsonForTerminal({ event, payload })}\n`);
    else writeText(text);
  };
  const row = (item: PendingItem) => renderItemRow(item, Date.now());
  engine.on('added', (item) => print('added', item, `+ ${row(item)}`));
  engine.on('updated', (item) => print('updated', item, `~ ${row(item)}`));
  engine.on('removed', (p) => print('removed', p, `- ${esc(p.approvalId)} (decided or withdrawn)`));
  engine.on('expired', (p) => print('expired', p, `x ${esc(p.approvalId)} expired`));
  engine.on('notify', (n) => print('notify', n, `! ${esc(n.title)}: ${esc(n.body)}`));
  const ended = new Promise<number>((resolve) => {
    engine.on('connection', (c) => {
      print('connection', c, `[${c.kind}] ${esc(c.message)}${c.retryAt ? ` (next try ${c.retryAt})` : ''}`);
      if (c.kind === 'auth_failed') resolve(EXIT.remote);
    });
    const stop = () => resolve(EXIT.ok);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  if (!ctx.json) writeText(`Following the pending queue of profile ${esc(profile.name)} (Ctrl-C to stop)`);
  await engine.start(profile.name);
  const code = await ended;
  await engine.stop();
  return code;
}

async function show(ctx: CliContext): Promise<number> {
  const item = await fetchOrFail(ctx, requirePositional(ctx, 1, 'approval ID'));
  output(ctx, { item }, () => renderItem(item, Date.now()));
  return EXIT.ok;
}

async function decide(ctx: CliContext, decision: 'approve' | 'deny'): Promise<number> {
  const id = requirePositional(ctx, 1, 'approval ID');
  const reason = ctx.args.values.reason;
  // The engine's own schema, up front: a bad id, reason or profile is refused before anything is fetched or asked.
  // The rules across fields (deny needs a reason…) are the engine's, in the same words (a missing reason names `reason`).
  checkInput(DecideFields, { approvalId: id, decision, reason, profile: ctx.args.values.profile });
  if (decision === 'approve') {
    if (!ctx.args.values.yes && !interactive()) {
      throw new InputError('approving needs confirmation: run in a terminal, or pass --yes');
    }
    const item = await fetchOrFail(ctx, id);
    // Sign only what is shown here: the engine refuses if the approval changed since.
    const bound = { approvalId: id, decision, reason, profile: ctx.args.values.profile, reviewed: reviewedOf(item) };
    // Decided or expired already: the engine reports that without signing anything.
    if (item.approval.status !== 'pending') return report(ctx, await ctx.engine.decide(bound));
    if (!ctx.json) writeText(`${renderItem(item, Date.now())}\n`);
    if (item.quarantined || !item.verification.ok) {
      // The engine refuses too, with the way forward (e.g. trusting a first-seen operator key).
      return report(ctx, await ctx.engine.decide(bound));
    }
    // A rule may ask for the code to be typed (receipt `confirm: typed-code`): then neither --yes nor "yes" stands in for it.
    const codeRequired = item.approval.receipt.statement.confirm === 'typed-code';
    if (codeRequired && ctx.args.values.yes) {
      throw new InputError(
        `The rule "${esc(item.approval.receipt.statement.policy.ruleId ?? 'default')}" asks the approver to type the confirmation code: run this command in a terminal without --yes and type it.`,
      );
    }
    if (!ctx.args.values.yes) {
      const question = codeRequired
        ? `Type the short code ${item.shortCode} to approve: `
        : `Type the short code ${item.shortCode} (or "yes") to approve: `;
      const answer = (await promptLine(question)).trim();
      const typedCode = answer.replace(/[\s-]/g, '').toUpperCase() === item.shortCode.replace(/-/g, '');
      if (!typedCode && (codeRequired || answer.toLowerCase() !== 'yes')) {
        process.stderr.write('Not approved.\n');
        return EXIT.failed;
      }
    }
    return report(ctx, await ctx.engine.decide(bound));
  }
  const outcome = await ctx.engine.decide({ approvalId: id, decision, reason, profile: ctx.args.values.profile });
  return report(ctx, outcome);
}

function report(ctx: CliContext, outcome: DecisionOutcome): number {
  output(ctx, { outcome }, () => `${outcome.status}: ${esc(outcome.message)}`);
  return outcome.status === 'accepted' ? EXIT.ok : EXIT.failed;
}

async function history(ctx: CliContext): Promise<number> {
  const view = await ctx.engine.history(ctx.args.values.profile);
  output(ctx, view, () =>
    [
      ...(view.entries.length === 0 ? ['No entries yet.'] : view.entries.map(renderAuditEntry)),
      '',
      view.verification.ok
        ? `Log intact (${view.verification.count} entries).`
        : `LOG DAMAGED: ${esc(view.verification.problem ?? '')}`,
    ].join('\n'),
  );
  return view.verification.ok ? EXIT.ok : EXIT.failed;
}

async function verifyLog(ctx: CliContext): Promise<number> {
  const view = await ctx.engine.history(ctx.args.values.profile);
  const path = await ctx.engine.auditLogPath(ctx.args.values.profile);
  const v = view.verification;
  output(ctx, { verification: v, path }, () =>
    v.ok
      ? `Audit log OK: ${v.count} entries, chain and signatures intact (${path}).`
      : `Audit log FAILED verification (${path}): ${esc(v.problem ?? '')}`,
  );
  return v.ok ? EXIT.ok : EXIT.failed;
}

async function keyShow(ctx: CliContext): Promise<number> {
  const name = (await ctx.engine.resolveProfile(ctx.args.values.profile)).name;
  const profile = (await ctx.engine.listProfiles()).find((p) => p.name === name)!;
  const key = {
    profile: profile.name,
    keyId: profile.keyId,
    publicKey: profile.publicKey,
    fingerprint: profile.fingerprint,
    keyStatus: profile.keyStatus,
  };
  output(ctx, { key }, () => renderProfile(profile));
  return EXIT.ok;
}

async function keyRotate(ctx: CliContext): Promise<number> {
  const name = (await ctx.engine.resolveProfile(ctx.args.values.profile)).name;
  const profile = await ctx.engine.rotateKey(name);
  output(ctx, { profile }, () =>
    [
      renderProfile(profile),
      '',
      `New key ${profile.keyStatus}: ask your team admin to activate fingerprint ${profile.fingerprint}.`,
      'The previous key was revoked (or will be on the next `status` if the control plane was unreachable).',
    ].join('\n'),
  );
  return EXIT.ok;
}

async function profileList(ctx: CliContext): Promise<number> {
  const profiles = await ctx.engine.listProfiles();
  output(ctx, { profiles }, () =>
    profiles.length === 0
      ? 'No profiles on this device yet: run `heso-approver init`.'
      : profiles
          .map((p) => `${esc(p.name)}  team ${esc(p.teamId)}  key ${p.keyId} (${p.keyStatus})  ${esc(p.endpoint)}`)
          .join('\n'),
  );
  return EXIT.ok;
}

async function profileRemove(ctx: CliContext): Promise<number> {
  const name = requirePositional(ctx, 2, 'profile NAME');
  if (!ctx.args.values.yes) {
    if (!interactive()) throw new InputError('removing a profile deletes its keys: run in a terminal, or pass --yes');
    const answer = (
      await promptLine(`Delete profile "${esc(name)}" and its keys from the keychain? Type the profile name: `)
    ).trim();
    if (answer !== name) {
      process.stderr.write('Not removed.\n');
      return EXIT.failed;
    }
  }
  await ctx.engine.removeProfile(name);
  output(
    ctx,
    { removed: name },
    () => `Removed profile ${esc(name)}; its keychain items are deleted (audit log kept).`,
  );
  return EXIT.ok;
}
