/**
 * `npm start`: the desktop app where an Electron binary can launch; otherwise the same
 * renderer and the same engine served on 127.0.0.1 (loopback web host) for any browser.
 *
 *   npm start [-- --config-dir DIR] [--port N] [--browser] [--json]
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RENDERER_BUILD_DIR } from '../app-protocol.ts';
import { createAppEngine, defaultConfigDir } from '../engine-factory.ts';
import { startWebHost } from '../host/web-host.ts';
import { SettingsStore, settingsFileFor } from '../settings-store.ts';
import { ensureBuilt } from './build-steps.ts';
import { findElectronBinary } from './electron-binary.ts';
import { headlessKeychainHint, probeKeychain } from './keychain-probe.ts';
import { canUsePrivateKeyring, PRIVATE_KEYRING_NOTICE, rerunInPrivateKeyring } from './keyring-session.ts';
import { watchParent } from './parent-watch.ts';

const HELP = `usage: npm start [-- options]

Starts the HESO approver: the desktop app where an Electron binary can launch, otherwise the
same app served in your browser on 127.0.0.1 (a one-time token in the printed URL).

  --config-dir DIR   approver profiles directory (default: ${defaultConfigDir()})
  --port N           web host port when serving in the browser (default: a free port)
  --browser          serve in the browser even if Electron is available
  --json             print one JSON line {"url": …} when ready (browser mode)
  -h, --help         this help`;

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function parse() {
  try {
    return parseArgs({
      options: {
        'config-dir': { type: 'string' },
        port: { type: 'string' },
        browser: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`npm start: ${(err as Error).message}\n\n${HELP}\n`);
    process.exit(2);
  }
}

async function runElectron(binary: string, configDir: string): Promise<number> {
  ensureBuilt(REPO_ROOT, 'renderer', (l) => console.log(l));
  ensureBuilt(REPO_ROOT, 'main', (l) => console.log(l));
  const child = spawn(binary, [REPO_ROOT, `--config-dir=${configDir}`], { cwd: REPO_ROOT, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  watchParent(() => child.kill('SIGTERM')); // `npm start`'s top process was signalled (see parent-watch.ts)
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

async function runBrowser(configDir: string, port: number, json: boolean, reason: string | null): Promise<void> {
  const say = (line: string) => {
    if (!json) console.log(line);
  };
  if (reason) {
    say(`No Electron binary is available on this machine (${reason}).`);
    say('Serving the same HESO approver app in your browser instead, on 127.0.0.1 only.');
  }
  ensureBuilt(REPO_ROOT, 'renderer', (l) => say(l));
  const keychain = await probeKeychain();
  if (!keychain.ok) {
    const what = canUsePrivateKeyring()
      ? `${keychain.reason}.\n  ${headlessKeychainHint('npm start')}`
      : keychain.message;
    console.warn(`\n⚠ The OS keychain is not reachable: ${what}\n`);
    // Offer, never impose: keys made in a throw-away session are gone when it ends.
    if (
      canUsePrivateKeyring() &&
      process.stdin.isTTY &&
      !json &&
      (await confirm('Start a private, throw-away keyring session for this run? [y/N] '))
    ) {
      console.log(PRIVATE_KEYRING_NOTICE);
      process.exit(await rerunInPrivateKeyring(REPO_ROOT, [...process.execArgv, ...process.argv.slice(1)]));
    }
    console.warn(
      '  Starting anyway: the app opens, but cannot make or use an approver key until the keychain works.\n',
    );
  }
  const engine = createAppEngine({ configDir });
  const settings = await SettingsStore.open(settingsFileFor('browser', configDir));
  if (settings.problem) console.warn(`  ${settings.problem}\n`);
  const host = await startWebHost({ engine, rendererDir: join(REPO_ROOT, RENDERER_BUILD_DIR), port, settings });
  if (json) console.log(JSON.stringify({ url: host.url, origin: host.origin, configDir }));
  say(`\nHESO approver (profiles in ${configDir})`);
  say(
    `Open this URL in your browser. It signs in once: the first browser to open it gets the app,\n` +
      `and the link then stops working (restart for a new one).\n\n  ${host.url}\n`,
  );
  say('Press Ctrl-C to stop.');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await host.stop();
    await engine.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  watchParent(() => void stop());
}

async function confirm(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

async function main(): Promise<void> {
  const args = parse();
  if (args.help) {
    console.log(HELP);
    return;
  }
  const configDir = args['config-dir'] ?? defaultConfigDir();
  const port = Number(args.port ?? process.env.HESO_PORT ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write('npm start: --port must be a whole number 0–65535\n');
    process.exit(2);
  }
  const electron = args.browser ? { found: false as const, reason: '--browser given' } : findElectronBinary(REPO_ROOT);
  if (electron.found) {
    const code = await runElectron(electron.path, configDir);
    process.exit(code);
  }
  await runBrowser(configDir, port, args.json ?? false, args.browser ? null : electron.reason);
}

main().catch((err: unknown) => {
  process.stderr.write(`npm start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
