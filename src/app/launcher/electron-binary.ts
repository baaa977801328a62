/**
 * Finds an Electron binary WITHOUT triggering Electron's lazy download (requiring the
 * `electron` package downloads it when missing, which fails on machines that reach only the
 * npm registry). Used by `npm start`, `npm run demo` and the Electron e2e test's skip reason.
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type ElectronBinary = { found: true; path: string } | { found: false; reason: string };

export function findElectronBinary(repoRoot: string, env: NodeJS.ProcessEnv = process.env): ElectronBinary {
  if (env.HESO_NO_ELECTRON) return { found: false, reason: 'HESO_NO_ELECTRON is set' };
  const pkgDir = join(repoRoot, 'node_modules', 'electron');
  if (!existsSync(pkgDir)) return { found: false, reason: 'the electron package is not installed' };
  const pathFile = join(pkgDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const distDir = env.ELECTRON_OVERRIDE_DIST_PATH || join(pkgDir, 'dist');
  if (!relative && !env.ELECTRON_OVERRIDE_DIST_PATH) {
    return {
      found: false,
      reason: 'the Electron binary was never downloaded (installed with ELECTRON_SKIP_BINARY_DOWNLOAD or offline)',
    };
  }
  const binary = join(distDir, relative || 'electron');
  try {
    accessSync(binary, constants.X_OK);
  } catch {
    return { found: false, reason: `no executable Electron binary at ${binary}` };
  }
  if (process.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) {
    return { found: false, reason: 'no graphical display (DISPLAY / WAYLAND_DISPLAY unset)' };
  }
  return { found: true, path: binary };
}
