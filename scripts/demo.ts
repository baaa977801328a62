/**
 * `npm run demo`: the whole HESO loop on one machine, from a fresh clone.
 *
 * 1. a local control plane (`heso-cloud serve`, temp database, free port) with a demo team,
 *    an API key and the demo policy;
 * 2. an approver profile onboarded in the engine (temp config dir, keys in the OS keychain);
 * 3. the admin steps, done for you and printed: activate the approver key (after the
 *    fingerprint check) and pin it for the demo agent;
 * 4. the demo agent, sending actions (some suspend and wait for you);
 * 5. the approver app, already onboarded: Electron where it can launch, else the browser URL.
 * Ctrl-C stops everything and removes the temp data (keychain items included).
 *
 * On Linux with no reachable keychain it reruns itself in a private throw-away keyring session
 * (the same as `sh scripts/with-keyring.sh npm run demo`), announcing it.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { RENDERER_BUILD_DIR } from '../src/app/app-protocol.ts';
import { createAppEngine } from '../src/app/engine-factory.ts';
import { startWebHost, type WebHost } from '../src/app/host/web-host.ts';
import { ensureBuilt } from '../src/app/launcher/build-steps.ts';
import { findElectronBinary } from '../src/app/launcher/electron-binary.ts';
import { headlessKeychainHint, probeKeychain } from '../src/app/launcher/keychain-probe.ts';
import {
  canUsePrivateKeyring,
  PRIVATE_KEYRING_NOTICE,
  rerunInPrivateKeyring,
} from '../src/app/launcher/keyring-session.ts';
import { watchParent } from '../src/app/launcher/parent-watch.ts';
import { ControlPlaneClient } from '../src/client/index.ts';
import { DEMO_WORKFLOW } from '../src/demo/actions.ts';
import { DemoCoApprover } from '../src/demo/co-approver.ts';
import { buildCli } from './build-cli.mjs';

const HELP = `usage: npm run demo [-- options]

  --port N        web host port (default: a free port)
  --interval MS   pause between the agent's actions (default 3000)
  --browser       use the browser even if an Electron binary is available
  -h, --help      this help

On Linux with no reachable keychain (a server, a container), the demo starts itself in a
private throw-away keyring session and says so; the same by hand:
  sh scripts/with-keyring.sh npm run demo`;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const execFileAsync = promisify(execFile);
const say = (line = '') => process.stdout.write(`${line}\n`);
const step = (line: string) => say(`\n▶ ${line}`);

const args = (() => {
  try {
    return parseArgs({
      options: {
        port: { type: 'string' },
        interval: { type: 'string' },
        browser: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`demo: ${(err as Error).message}\n\n${HELP}\n`);
    process.exit(2);
  }
})();
if (args.help) {
  say(HELP);
  process.exit(0);
}

/** Runs one of the project's CLIs with --json and returns its parsed output. */
async function cli(bin: 'heso-cloud' | 'heso', argv: string[]): Promise<Record<string, unknown>> {
  try {
    // --json goes before a `--` terminator (public keys may start with '-').
    const end = argv.indexOf('--');
    const withJson = end < 0 ? [...argv, '--json'] : [...argv.slice(0, end), '--json', ...argv.slice(end)];
    const { stdout } = await execFileAsync(process.execPath, [join(ROOT, 'bin', `${bin}.mjs`), ...withJson], {
      cwd: ROOT,
    });
    return JSON.parse(stdout) as Record<string, unknown>;
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${bin} ${argv[0]} ${argv[1] ?? ''} failed: ${(e.stderr || e.stdout || e.message).trim()}`);
  }
}

function waitForListening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /^listening (http:\/\/\S+)$/m.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.stderr?.on('data', (c: Buffer) => {
      err = (err + c.toString()).slice(-2000);
    });
    child.once('exit', (code) => reject(new Error(`heso-cloud serve exited (${code}) before listening:\n${err}`)));
  });
}

function prefixLines(stream: NodeJS.ReadableStream | null, prefix: string): void {
  let buffered = '';
  stream?.on('data', (c: Buffer) => {
    buffered += c.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) say(`${prefix}${line}`);
  });
}

const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

async function main(): Promise<void> {
  say('HESO demo — control plane, demo agent and approver app on this machine.');

  const keychain = await probeKeychain();
  if (!keychain.ok && canUsePrivateKeyring()) {
    say(`\nThe OS keychain is not reachable here (${keychain.reason}).`);
    say(PRIVATE_KEYRING_NOTICE);
    const entry = [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)];
    process.exit(await rerunInPrivateKeyring(ROOT, entry));
  }
  if (!keychain.ok) {
    process.stderr.write(
      `\n✖ The OS keychain is not reachable, and the approver keeps its keys only there.\n  ${keychain.message}\n\n  ${headlessKeychainHint('npm run demo')}\n`,
    );
    process.exit(1);
  }

  const work = mkdtempSync(join(tmpdir(), 'heso-demo-'));
  const db = join(work, 'cloud.db');
  const approverDir = join(work, 'approver');
  const agentDir = join(work, 'agent');
  const children: ChildProcess[] = [];
  const engine = createAppEngine({ configDir: approverDir });
  // A unique profile name: the keychain is the user's real one, never touch their profiles.
  const profileName = `demo-${Date.now().toString(36)}`;
  let onboarded = false;
  let host: WebHost | null = null;
  let stopping = false;

  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('\nStopping the demo…');
    for (const child of children.reverse()) if (child.exitCode === null) child.kill('SIGTERM');
    await host?.stop();
    await engine.stop().catch(() => {});
    if (onboarded) await engine.removeProfile(profileName).catch(() => {}); // deletes its keychain items
    rmSync(work, { recursive: true, force: true });
    say('Stopped; temporary data and keychain items removed.');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  watchParent(() => void stop(0)); // `npm run demo`'s top process was signalled (see parent-watch.ts)

  try {
    step('Starting a local control plane (heso-cloud serve, temporary database)');
    await buildCli(); // a no-op when dist/cli/ is current (npm ci built it)
    const cloud = spawn(
      process.execPath,
      [
        join(ROOT, 'bin', 'heso-cloud.mjs'),
        'serve',
        '--init',
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--db',
        db,
        '--log-level',
        'warn',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(cloud);
    const endpoint = await waitForListening(cloud);
    say(`  control plane at ${endpoint}`);

    step("Creating a demo team, two API keys (the agent's and the approver's) and the demo policy");
    const team = await cli('heso-cloud', ['team', 'create', 'Demo team', '--db', db]);
    const teamId = String(team.id);
    // Separate keys: the agent's (operator) can never see the queue, decide or spend the approver's budget.
    const keyFor = async (role: 'operator' | 'approver') =>
      String((await cli('heso-cloud', ['key', 'create', '--team', teamId, '--role', role, '--db', db])).apiKey);
    const agentApiKey = await keyFor('operator');
    const apiKey = await keyFor('approver');
    await cli('heso-cloud', ['policy', 'set', '--team', teamId, join(ROOT, 'src', 'demo', 'policy.json'), '--db', db]);
    say(`  team ${teamId}, an operator key for the agent and an approver key for the app (kept in memory and`);
    say('  the keychain only), policy src/demo/policy.json');

    step('Onboarding this device as an approver (key generated into the OS keychain)');
    const profile = await engine.initProfile({
      endpoint,
      teamId,
      apiKey,
      displayName: 'Demo approver',
      profileName,
    });
    onboarded = true;
    say(`  profile ${profile.name}, key ${profile.keyId} (${profile.keyStatus})`);
    say(`  fingerprint  ${profile.fingerprint}`);

    step('Admin steps, done for you here as your team admin would after comparing that fingerprint with you');
    say(
      `  $ heso-cloud approver activate --team ${teamId} ${profile.keyId} --fingerprint ${quote(profile.fingerprint)} --db ${db}`,
    );
    await cli('heso-cloud', [
      'approver',
      'activate',
      '--team',
      teamId,
      profile.keyId,
      '--fingerprint',
      profile.fingerprint,
      '--db',
      db,
    ]);
    say('  ✔ approver key activated on the control plane');
    const operator = await cli('heso', ['init', '--data-dir', agentDir, '--no-gitignore']);
    const operatorKey = String(operator.publicKey);
    // The admin pins the demo agent's operator key for its workflow, so its requests show as trusted.
    say(
      `  $ heso-approver trust add-operator ${operatorKey} --workflow ${DEMO_WORKFLOW} --profile ${profileName} --config-dir ${approverDir}`,
    );
    await engine.trustOperator({ publicKey: operatorKey, workflows: [DEMO_WORKFLOW], profile: profileName });
    say(`  ✔ demo agent's operator key (${String(operator.fingerprint)}) trusted by the approver for ${DEMO_WORKFLOW}`);
    say(`  $ heso trust add --name ${quote(profile.displayName)} --data-dir ${agentDir} -- ${profile.publicKey}`);
    await cli('heso', ['trust', 'add', '--name', profile.displayName, '--data-dir', agentDir, '--', profile.publicKey]);
    say('  ✔ approver key pinned for the demo agent (its trust root; the policy list is only a hint)');
    // A second approver, automated, so the two-person rule for production deploys shows its progress.
    const coApprover = new DemoCoApprover({
      client: new ControlPlaneClient({ endpoint, apiKey }),
      teamId,
      log: (line) => say(`  [co-approver] ${line}`),
    });
    await coApprover.enrol('Sam (automated demo co-approver)');
    await cli('heso-cloud', ['approver', 'activate', '--team', teamId, coApprover.keyId, '--db', db]);
    await cli('heso', [
      'trust',
      'add',
      '--name',
      'Sam (demo co-approver)',
      '--data-dir',
      agentDir,
      '--',
      coApprover.publicKey,
    ]);
    void coApprover.run();
    say('  ✔ a second, automated approver (Sam) approves production deploys 20 s after they appear:');
    say('    they need two approvals (src/demo/policy.json), so the app shows "1 of 2" until you add yours');
    const refreshed = await engine.refreshKeyStatus(profileName);
    say(`  the approver app now sees its key as: ${refreshed.keyStatus}`);

    step('Starting the approver app');
    const electron = args.browser ? null : findElectronBinary(ROOT);
    let appLine: string;
    if (electron?.found) {
      ensureBuilt(ROOT, 'renderer', say);
      ensureBuilt(ROOT, 'main', say);
      const app = spawn(electron.path, [ROOT, `--config-dir=${approverDir}`], { cwd: ROOT, stdio: 'inherit' });
      children.push(app);
      app.once('exit', () => void stop(0));
      appLine = 'The HESO Approver desktop app is open.';
    } else {
      if (electron && !electron.found)
        say(`  No Electron binary is available on this machine (${electron.reason}); using the browser.`);
      ensureBuilt(ROOT, 'renderer', say);
      await engine.start(profileName);
      host = await startWebHost({ engine, rendererDir: join(ROOT, RENDERER_BUILD_DIR), port: Number(args.port ?? 0) });
      appLine = `Open the approver app in your browser (one-time token in the URL; keep it private):\n\n    ${host.url}\n`;
    }

    step('Starting the demo agent (src/demo/agent.ts)');
    const agent = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'src', 'demo', 'agent.ts'),
        '--endpoint',
        endpoint,
        '--team',
        teamId,
        '--data-dir',
        agentDir,
        '--count',
        '500',
        '--interval',
        String(Number(args.interval ?? 3000)),
      ],
      { cwd: ROOT, env: { ...process.env, HESO_API_KEY: agentApiKey }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(agent);
    prefixLines(agent.stdout, '  [agent] ');
    prefixLines(agent.stderr, '  [agent] ');

    say(`\n${'─'.repeat(72)}\n  ${appLine}`);
    say('  Suspended actions appear in the queue within seconds. Match the short code the agent');
    say('  prints with the one in the app, then approve or deny. Ctrl-C stops everything.');
    say('─'.repeat(72));
  } catch (err) {
    process.stderr.write(`\n✖ demo: ${err instanceof Error ? err.message : String(err)}\n`);
    await stop(1);
  }
}

await main();
