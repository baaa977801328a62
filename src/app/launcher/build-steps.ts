/** Builds the renderer / main bundles when they are missing, so `npm start` works on a fresh clone. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RENDERER_BUILD_DIR } from '../app-protocol.ts';

export function ensureBuilt(repoRoot: string, what: 'renderer' | 'main', log: (line: string) => void): void {
  const marker =
    what === 'renderer'
      ? join(repoRoot, RENDERER_BUILD_DIR, 'index.html')
      : join(repoRoot, 'dist-electron', 'main', 'main.js');
  if (existsSync(marker)) return;
  const script = what === 'renderer' ? 'build:renderer' : 'build:main';
  log(`Building the ${what} (npm run ${script}) — first run only…`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['run', '--silent', script], { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0 || !existsSync(marker)) {
    throw new Error(`Could not build the ${what} (npm run ${script} failed). Fix the error above and run it again.`);
  }
}
