/**
 * `heso verify --page [FILE|-]`: writes the single-file verifier page (verifier/, built by
 * vite.verifier.config.ts) for a reviewer to open from disk. The page is built on first use
 * and rebuilt only when its sources (the page or the core it bundles) changed.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONFIG = join(ROOT, 'vite.verifier.config.ts');
export const VERIFIER_PAGE_NAME = 'heso-verifier.html';
export const VERIFIER_PAGE = join(ROOT, 'dist', 'verifier', VERIFIER_PAGE_NAME);
const SOURCES = [join(ROOT, 'verifier'), join(ROOT, 'src', 'core'), CONFIG];

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/** vite builds the page; it is a development dependency, absent from an `npm ci --omit=dev` install. */
async function loadVite(): Promise<typeof import('vite')> {
  try {
    return await import('vite');
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? err.code : undefined;
    if (code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new Error(
      'the verifier page is built with vite, a development dependency this install does not have: ' +
        'run `npm ci` (with dev dependencies) here, or use the built page @hesohq/core ships (dist/verifier.html)',
    );
  }
}

/** The built page's path; builds it first when missing or older than its sources. */
export async function ensureVerifierPage(): Promise<string> {
  const fresh = existsSync(VERIFIER_PAGE) && statSync(VERIFIER_PAGE).mtimeMs >= Math.max(...SOURCES.map(newestMtime));
  if (!fresh) {
    // Built aside and renamed into place, so a concurrent run never sees a half-written or emptied page.
    const { build } = await loadVite();
    mkdirSync(dirname(VERIFIER_PAGE), { recursive: true });
    const outDir = mkdtempSync(join(dirname(VERIFIER_PAGE), '.build-'));
    try {
      await build({ configFile: CONFIG, logLevel: 'error', build: { outDir, emptyOutDir: true } });
      renameSync(join(outDir, VERIFIER_PAGE_NAME), VERIFIER_PAGE);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  }
  return VERIFIER_PAGE;
}

/** Writes the page to `target` (`-`: standard output); returns what to tell the user. */
export async function writeVerifierPage(target: string): Promise<string> {
  const page = await ensureVerifierPage();
  if (target === '-') {
    process.stdout.write(readFileSync(page, 'utf8'));
    return '';
  }
  const out = resolve(target);
  copyFileSync(page, out);
  return `wrote ${out}\nOpen it in any browser (file:// works, no network needed); drop in a receipt and a trust file.\n`;
}
