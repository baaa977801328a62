#!/usr/bin/env node
/**
 * Builds the installable packages from the app's own sources (one source, docs/sdk.md):
 *   @hesohq/core = src/core/ (browser-safe: bundled for platform 'browser', so a node: import fails the build),
 *                  plus the single-file verifier page (verifier/) as dist/verifier.html
 *   @hesohq/sdk  = src/sdk/ + src/policy/ + src/client/, importing @hesohq/core for everything
 *                  core's index exports (one copy of core's classes and crypto settings at run time).
 * Output: dist/packages/{core,sdk}/ (package.json from packages/<name>/package.json with the
 * dependency ranges of the root package.json, README.md, dist/index.js, dist/types/**.d.ts),
 * ready for `npm pack`. A stamp of the sources' hash makes a second run a no-op, so tests can
 * call this freely: `node scripts/build-packages.mjs [--pack DIR] [--force]`.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'dist', 'packages');
const SOURCE_DIRS = [
  'src/core',
  'src/sdk',
  'src/policy',
  'src/client',
  'packages',
  'verifier',
  'vite.verifier.config.ts',
  'scripts/build-packages.mjs',
];
const CORE_DIR = join(ROOT, 'src', 'core');

function filesUnder(path) {
  const abs = join(ROOT, path);
  if (!statSync(abs).isDirectory()) return [path];
  return readdirSync(abs)
    .sort()
    .flatMap((name) => filesUnder(join(path, name)));
}

function sourceHash() {
  const hash = createHash('sha256');
  for (const file of SOURCE_DIRS.flatMap(filesUnder))
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(join(ROOT, file)));
  hash.update(readFileSync(join(ROOT, 'package.json')));
  return hash.digest('hex');
}

/** The core modules `src/core/index.ts` re-exports: the SDK imports these from @hesohq/core. */
function coreIndexModules() {
  const text = readFileSync(join(CORE_DIR, 'index.ts'), 'utf8');
  return new Set([...text.matchAll(/from '\.\/([a-z0-9-]+)\.ts'/g)].map((m) => m[1]));
}

function packageJson(name, rootPkg, coreVersion) {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'packages', name, 'package.json'), 'utf8'));
  for (const dep of Object.keys(pkg.dependencies ?? {})) {
    const range = dep === '@hesohq/core' ? coreVersion : rootPkg.dependencies[dep];
    if (!range) throw new Error(`packages/${name}: dependency ${dep} is not in the root package.json`);
    pkg.dependencies[dep] = range;
  }
  return pkg;
}

async function bundle(entry, outfile, platform, external, plugins = []) {
  await build({
    entryPoints: [join(ROOT, entry)],
    outfile,
    bundle: true,
    format: 'esm',
    platform,
    target: 'es2022',
    external,
    plugins,
    logLevel: 'error',
    legalComments: 'none',
  });
}

/** Resolves the SDK's imports of core modules that core's index exports to the @hesohq/core package. */
function coreAsPackage(indexModules) {
  return {
    name: 'hesohq-core-external',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\/.*\.ts$/ }, (args) => {
        const target = resolve(args.resolveDir, args.path);
        const module = relative(CORE_DIR, target).replace(/\.ts$/, '');
        return dirname(target) === CORE_DIR && indexModules.has(module)
          ? { path: '@hesohq/core', external: true }
          : undefined;
      });
    },
  };
}

function emitDeclarations(tmp) {
  const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
  const args = ['src/core/index.ts', 'src/sdk/index.ts', '--declaration', '--emitDeclarationOnly'];
  args.push('--outDir', tmp, '--rootDir', 'src', '--target', 'ES2022', '--module', 'NodeNext');
  args.push('--moduleResolution', 'NodeNext', '--strict', '--allowImportingTsExtensions', '--skipLibCheck');
  args.push('--types', 'node', '--verbatimModuleSyntax', '--isolatedModules', '--noUncheckedIndexedAccess');
  const r = spawnSync(tsc, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('tsc could not emit the packages’ declarations');
}

/** Copies `from` (a dir of .d.ts) to `to`, rewriting relative `.ts` specifiers to `.js` and, optionally, core ones to the package. */
function copyDeclarations(from, to, indexModules) {
  // The node:crypto fast path is the SDK's (bundled there, not exported): no declarations ship for it.
  for (const file of filesUnderAbs(from).filter((f) => !f.endsWith('ed25519-node.d.ts'))) {
    let text = readFileSync(file, 'utf8');
    if (indexModules) {
      text = text.replace(/(["'])(?:\.\.\/)+core\/([a-z0-9-]+)\.ts\1/g, (whole, quote, module) =>
        indexModules.has(module) ? `${quote}@hesohq/core${quote}` : whole,
      );
    }
    text = text.replace(/(["'])(\.{1,2}\/[^"']+)\.ts\1/g, '$1$2.js$1');
    const target = join(to, relative(from, file));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
}

function filesUnderAbs(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnderAbs(p) : [p];
  });
}

export async function buildPackages({ force = false } = {}) {
  const stamp = join(OUT, '.source-hash');
  const hash = sourceHash();
  if (!force && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return OUT;
  rmSync(OUT, { recursive: true, force: true });
  const rootPkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const core = packageJson('core', rootPkg);
  const sdk = packageJson('sdk', rootPkg, core.version);
  const indexModules = coreIndexModules();
  const coreOut = join(OUT, 'core');
  const sdkOut = join(OUT, 'sdk');
  // platform 'browser': any node: import or Node built-in in core's graph fails here.
  await bundle('src/core/index.ts', join(coreOut, 'dist', 'index.js'), 'browser', Object.keys(core.dependencies));
  const sdkExternal = Object.keys(sdk.dependencies);
  await bundle('src/sdk/index.ts', join(sdkOut, 'dist', 'index.js'), 'node', sdkExternal, [
    coreAsPackage(indexModules),
  ]);
  const tmp = join(OUT, '.types');
  emitDeclarations(tmp);
  copyDeclarations(join(tmp, 'core'), join(coreOut, 'dist', 'types', 'core'));
  for (const dir of ['sdk', 'policy', 'client'])
    copyDeclarations(join(tmp, dir), join(sdkOut, 'dist', 'types', dir), indexModules);
  rmSync(tmp, { recursive: true, force: true });
  // The single-file verifier page ships with core (`@hesohq/core/verifier.html`): the same page `heso verify --page` writes.
  // Built into a directory of its own: `heso verify --page` may be building dist/verifier/ at the same time.
  const { build: viteBuild } = await import('vite');
  const pageDir = join(OUT, '.verifier');
  await viteBuild({ configFile: join(ROOT, 'vite.verifier.config.ts'), logLevel: 'error', build: { outDir: pageDir } });
  cpSync(join(pageDir, 'heso-verifier.html'), join(coreOut, 'dist', 'verifier.html'));
  rmSync(pageDir, { recursive: true, force: true });
  for (const [name, pkg, out] of [
    ['core', core, coreOut],
    ['sdk', sdk, sdkOut],
  ]) {
    writeFileSync(join(out, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    cpSync(join(ROOT, 'packages', name, 'README.md'), join(out, 'README.md'));
  }
  writeFileSync(stamp, hash);
  return OUT;
}

/** `npm pack` of both packages into `dir`; returns the tarballs' paths (core first). */
export function packPackages(dir) {
  mkdirSync(dir, { recursive: true });
  return ['core', 'sdk'].map((name) => {
    const r = spawnSync('npm', ['pack', '--json', '--pack-destination', dir, join(OUT, name)], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`npm pack ${name} failed: ${r.stderr}`);
    return join(dir, JSON.parse(r.stdout)[0].filename);
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const out = await buildPackages({ force: args.includes('--force') });
  console.log(`packages built in ${relative(ROOT, out)}/`);
  const packAt = args.indexOf('--pack');
  if (packAt >= 0) for (const tarball of packPackages(resolve(args[packAt + 1] ?? '.'))) console.log(tarball);
}
