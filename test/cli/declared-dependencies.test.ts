/**
 * Every package the project's code imports is declared in package.json: what the CLIs, the
 * server and the app import at run time under `dependencies` (a production install has only
 * those: test/cli/clean-install.test.ts runs it), the rest at least under `devDependencies`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { REPO_ROOT } from '../support/npm-run.ts';

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
  cwd: REPO_ROOT,
  encoding: 'utf8',
})
  .split('\n')
  .filter((file) => /\.(ts|tsx|mts|mjs|cjs|js)$/.test(file) && !file.startsWith('python/'));

/** Static and dynamic imports, re-exports and require() calls of a bare package name. */
const SPECIFIER = /(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"./][^'"]*)['"]/gm;

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`), or null for a Node built-in or a non-name. */
function packageOf(specifier: string): string | null {
  if (specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0] ?? '')) return null;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? '');
  // Text that only looks like an import (inside a regular expression or a string): not a package name.
  return /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/.test(name) ? name : null;
}

/** Package → files importing it, for the files `select` keeps. */
function importsOf(select: (file: string) => boolean): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of files.filter(select)) {
    const text = readFileSync(join(REPO_ROOT, file), 'utf8');
    for (const match of text.matchAll(SPECIFIER)) {
      const name = packageOf(match[1] ?? '');
      if (name) found.set(name, [...(found.get(name) ?? []), file]);
    }
  }
  return found;
}

/** The packages the project builds itself (test/sdk/packages.test.ts installs them from their tarballs). */
const OWN_PACKAGES = new Set(['@hesohq/core', '@hesohq/sdk']);

describe('declared dependencies', () => {
  test('every package imported anywhere is declared', () => {
    const undeclared = [...importsOf(() => true)].filter(
      ([name]) => !OWN_PACKAGES.has(name) && !(name in pkg.dependencies) && !(name in pkg.devDependencies),
    );
    assert.deepEqual(undeclared, [], 'add them to package.json (npm install --save[-dev] NAME)');
  });

  test('the CLIs, the server, the SDK and the app import only runtime dependencies', () => {
    // Lazily loaded build tools are the exception: `heso verify --page` says how to get vite when it is missing.
    const BUILD_TOOLS_LOADED_ON_DEMAND = new Set(['vite']);
    const devOnly = [...importsOf((file) => /^(src|bin|main|renderer)\//.test(file))].filter(
      ([name]) => !(name in pkg.dependencies) && !BUILD_TOOLS_LOADED_ON_DEMAND.has(name) && name !== 'electron',
    );
    assert.deepEqual(devOnly, [], 'move them to dependencies: a production install lacks devDependencies');
  });
});
