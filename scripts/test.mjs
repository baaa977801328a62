#!/usr/bin/env node
// `npm test`: lint, type-check, then every test file under test/ with Node's test runner,
// inside a private D-Bus session that has an unlocked gnome-keyring (the real OS keychain).
// Extra arguments select test files: `npm test -- test/core`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);

function run(label, cmd, args, extraEnv = {}) {
  console.log(`\n▶ ${label}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...extraEnv } });
  if (r.status !== 0) {
    console.error(`\n✖ ${label} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.ts') || name.endsWith('.test.tsx')) out.push(relative(root, p));
  }
  return out.sort();
}

const selectors = process.argv.slice(2);
const all = findTests(join(root, 'test'));
const files = selectors.length ? all.filter((f) => selectors.some((s) => f.startsWith(s.replace(/^\.\//, '')))) : all;
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

if (!selectors.length) {
  run('lint and format check (biome)', bin('biome'), ['check', '.']);
  run('type-check (tsc)', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
}
for (const step of ['pretest-build']) {
  // Optional build steps the tests need (e.g. the renderer bundle), declared in package.json.
  const pkg = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(join(root, 'package.json'), 'utf8')));
  if (pkg.scripts?.[step]) run(step, 'npm', ['run', '--silent', step]);
}
run(`tests (${files.length} files)`, 'sh', [
  join(root, 'scripts', 'with-keyring.sh'),
  process.execPath,
  '--import',
  'tsx',
  '--test',
  '--test-reporter=spec',
  '--test-concurrency=2',
  ...files,
]);
