#!/usr/bin/env node
/**
 * `npm run build:cli` (run by `prepare`, so by every `npm ci` / `npm install` of the project,
 * `--omit=dev` included, and before `npm pack`): bundles the three CLIs (src/cli/heso.ts,
 * heso-cloud.ts, heso-approver.ts; the server is part of heso-cloud) into plain JavaScript in
 * dist/cli/, which bin/*.mjs run. No TypeScript loader at run time: the CLIs start as fast as
 * any Node program and leave no compile cache behind. Dependencies stay external (resolved
 * from node_modules as usual); each subcommand's code stays a lazily loaded chunk.
 *
 * A stamp of the inputs' hash (from the last build's own list of inputs) makes a second run a
 * no-op, so tests and scripts call `buildCli()` freely: `node scripts/build-cli.mjs [--force]`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLI_DIR = join(ROOT, 'dist', 'cli');
const ENTRIES = ['heso', 'heso-cloud', 'heso-approver'];
const STAMP = join(CLI_DIR, '.inputs.json');
const SELF = fileURLToPath(import.meta.url);

function hashOf(files) {
  const hash = createHash('sha256');
  for (const file of files) {
    const abs = join(ROOT, file);
    hash.update(file).update('\0');
    hash.update(existsSync(abs) ? readFileSync(abs) : 'missing');
  }
  return hash.digest('hex');
}

function isFresh() {
  if (!existsSync(STAMP) || ENTRIES.some((name) => !existsSync(join(CLI_DIR, `${name}.js`)))) return false;
  try {
    const { inputs, hash } = JSON.parse(readFileSync(STAMP, 'utf8'));
    return Array.isArray(inputs) && hashOf(inputs) === hash;
  } catch {
    return false;
  }
}

/**
 * Source modules find files beside them through `import.meta.url` (the verifier page's sources,
 * package.json): in the bundle that would be dist/cli/. Each such module gets its own source
 * file's URL instead, computed from the bundle's location, so those paths resolve as from src/.
 */
const keepSourceUrls = (outDir) => ({
  name: 'keep-source-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\/src\/.*\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const fromBundle = relative(outDir, args.path).split('\\').join('/');
      const url = `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`;
      return { contents: text.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
});

/** Builds dist/cli/ unless its inputs are unchanged since the last build; returns dist/cli. */
export async function buildCli({ force = false } = {}) {
  if (!force && isFresh()) return CLI_DIR;
  // Built aside and swapped in, so a CLI started meanwhile never loads a half-written bundle.
  const staging = `${CLI_DIR}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  const result = await build({
    entryPoints: ENTRIES.map((name) => ({ in: join(ROOT, 'src', 'cli', `${name}.ts`), out: name })),
    absWorkingDir: ROOT,
    outdir: staging,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    metafile: true,
    logLevel: 'error',
    legalComments: 'none',
    // Every output file sits in dist/cli/ itself: the source URLs above are relative to it.
    chunkNames: '[name]-[hash]',
    plugins: [keepSourceUrls(CLI_DIR)],
  });
  const inputs = [...Object.keys(result.metafile.inputs), relative(ROOT, SELF), 'package.json'].sort();
  writeFileSync(join(staging, '.inputs.json'), `${JSON.stringify({ inputs, hash: hashOf(inputs) })}\n`);
  const old = `${CLI_DIR}.${process.pid}.old`;
  if (existsSync(CLI_DIR)) renameSync(CLI_DIR, old);
  renameSync(staging, CLI_DIR);
  rmSync(old, { recursive: true, force: true });
  return CLI_DIR;
}

if (process.argv[1] && resolve(process.argv[1]) === SELF) {
  const out = await buildCli({ force: process.argv.includes('--force') });
  console.log(`CLIs built in ${relative(ROOT, out)}/ (${ENTRIES.map((n) => `${n}.js`).join(', ')})`);
}
