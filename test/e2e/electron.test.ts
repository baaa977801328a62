/**
 * The desktop app itself, driven through Playwright's Electron support: the window opens on
 * onboarding with the preload's bridge and no Node in the page. Needs an Electron binary;
 * where none is installed (these build machines cannot download one) it reports itself
 * skipped with the reason. It never triggers electron's lazy download.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { _electron as electron } from '@playwright/test';
import { RENDERER_DIR, screenshot } from '../support/browser.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ELECTRON_DIR = join(REPO_ROOT, 'node_modules', 'electron');

/** The Electron executable, found the way electron's own index.js does, without its download fallback. */
function electronBinary(): string | null {
  const pathFile = join(ELECTRON_DIR, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const relative = readFileSync(pathFile, 'utf8').trim();
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const full = override ? join(override, relative || 'electron') : join(ELECTRON_DIR, 'dist', relative);
  return existsSync(full) ? full : null;
}

test('the Electron app opens on onboarding with the preload bridge and no Node in the page', async (t) => {
  const binary = electronBinary();
  if (!binary) {
    t.skip('no Electron binary installed (node_modules/electron/dist is missing; it cannot be downloaded here)');
    return;
  }
  if (process.env.HESO_TEST_KEYRING !== '1') {
    t.skip('needs the test keyring session: run via npm test or sh scripts/with-keyring.sh');
    return;
  }
  if (!existsSync(join(REPO_ROOT, 'dist-electron', 'main', 'main.js'))) {
    const build = spawnSync('npm', ['run', '--silent', 'build:main'], { cwd: REPO_ROOT, stdio: 'inherit' });
    assert.equal(build.status, 0, 'npm run build:main');
  }
  assert.ok(existsSync(join(RENDERER_DIR, 'index.html')), 'the renderer is built');

  const profileDir = mkdtempSync(join(tmpdir(), 'heso-electron-e2e-'));
  const app = await electron.launch({
    executablePath: binary,
    args: [REPO_ROOT, `--user-data-dir=${profileDir}`],
    env: { ...process.env, XDG_CONFIG_HOME: profileDir, ELECTRON_ENABLE_LOGGING: '0' },
  });
  try {
    const page = await app.firstWindow();
    await page.getByTestId('onboarding-submit').waitFor();
    assert.equal(await page.title(), 'HESO Approver');
    const surface = await page.evaluate(() => ({
      bridge: typeof window.heso?.invoke === 'function' && typeof window.heso?.on === 'function',
      node: typeof (globalThis as { require?: unknown }).require !== 'undefined',
      processObject: typeof (globalThis as { process?: unknown }).process !== 'undefined',
    }));
    assert.deepEqual(surface, { bridge: true, node: false, processObject: false });
    const info = await page.evaluate(() => window.heso!.invoke('app:info', null));
    assert.equal(info.shell, 'electron');
    await screenshot(page, 'electron-onboarding');
  } finally {
    await app.close();
    rmSync(profileDir, { recursive: true, force: true });
  }
});
