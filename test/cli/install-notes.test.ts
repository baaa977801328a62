/**
 * What README.md tells a newcomer about installing matches what really happens: the oldest
 * Node it names is package.json's `engines`; every `EBADENGINE` warning `npm ci` prints on this
 * Node is one the README explains (and it explains no other), and the Node version it
 * recommends satisfies each of them; the system packages it lists are the ones CI installs.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../support/npm-run.ts';

const execFileAsync = promisify(execFile);
const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };

/** `major.minor` written in the README sentence matched by `pattern` (its first group). */
function readmeVersion(pattern: RegExp): [number, number] {
  const m = pattern.exec(readme) ?? assert.fail(`README.md has no sentence matching ${pattern}`);
  const [major, minor] = (m[1] ?? '').split('.').map(Number);
  return [major ?? Number.NaN, minor ?? 0];
}
const RECOMMENDED = readmeVersion(/Prerequisites[^:]*: Node (\d+\.\d+) or later/);
const OLDEST = readmeVersion(/Node (\d+\.\d+) or later also works/);

/**
 * Whether `version` meets an engines range of the one form these packages use (`>=X[.Y[.Z]]`).
 * Another form fails the test, to be looked at rather than guessed.
 */
function meets([major, minor]: [number, number], range: string): boolean {
  const m = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range.trim());
  if (!m) assert.fail(`engines range of a form this test does not read: ${range}`);
  const want = [Number(m[1]), Number(m[2] ?? 0)] as const;
  return major > want[0] || (major === want[0] && minor >= want[1]);
}

const scratch = mkdtempSync(join(tmpdir(), 'heso-install-notes-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('README install notes', () => {
  test('the oldest Node the README names is the one package.json declares', () => {
    assert.equal(pkg.engines.node, `>=${OLDEST[0]}.${OLDEST[1]}.0`);
    const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
    assert.ok(meets([major, minor], pkg.engines.node), `this Node (${process.version}) is older than the README says`);
  });

  test('every EBADENGINE warning npm ci prints here is the README’s, and the recommended Node meets them', async () => {
    for (const file of ['package.json', 'package-lock.json', '.npmrc'])
      copyFileSync(join(REPO_ROOT, file), join(scratch, file));
    // What `npm ci` on a fresh clone decides, without the network or touching node_modules.
    const { stderr } = await execFileAsync(
      'npm',
      [
        'ci',
        '--dry-run',
        '--ignore-scripts',
        '--offline',
        '--no-audit',
        '--no-fund',
        '--cache',
        join(scratch, 'cache'),
      ],
      { cwd: scratch, env: { ...process.env, npm_config_update_notifier: 'false' }, maxBuffer: 64 * 1024 * 1024 },
    );
    const warned = [
      ...stderr.matchAll(
        /EBADENGINE\s+package: '(@?[^@']+)@[^']+',\s+npm warn EBADENGINE\s+required: \{ node: '([^']+)' \}/g,
      ),
    ].map((m) => ({ name: m[1] ?? '', range: m[2] ?? '' }));
    assert.equal(warned.length, stderr.match(/EBADENGINE Unsupported engine/g)?.length ?? 0, stderr);

    const explanation = readme.slice(readme.indexOf('or later also works'), readme.indexOf('Then:'));
    const named = [...explanation.matchAll(/`(@?[a-z0-9][\w./-]*)`/g)]
      .map((m) => m[1] ?? '')
      .filter((name) => name in lockedPackages());
    assert.deepEqual(
      warned.map((w) => w.name).sort(),
      named.sort(),
      'README names exactly the packages npm warns about',
    );
    for (const { name, range } of warned) {
      assert.ok(
        meets(RECOMMENDED, range),
        `${name} wants Node ${range}: the README's Node ${RECOMMENDED.join('.')} does not`,
      );
    }
  });

  test('the system packages the README lists are the ones CI installs', () => {
    const aptPackages = (text: string) =>
      new Set(
        (/apt-get install -y (?:-qq )?((?:[^\n>\\]|\\\n)*)/.exec(text)?.[1] ?? '')
          .replace(/\\\n/g, ' ')
          .split(/\s+/)
          .filter((word) => /^[a-z0-9][a-z0-9.+-]*$/.test(word)),
      );
    const ci = aptPackages(readFileSync(join(REPO_ROOT, '.ci', 'run'), 'utf8'));
    assert.ok(ci.size > 3, 'read the packages from .ci/run');
    assert.deepEqual([...aptPackages(readme)].sort(), [...ci].sort());
  });
});

/** Package names in the lockfile (a word in backticks that is one of them names a package). */
function lockedPackages(): Record<string, true> {
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, unknown>;
  };
  const names: Record<string, true> = {};
  for (const path of Object.keys(lock.packages)) {
    const name = path.split('node_modules/').pop();
    if (name) names[name] = true;
  }
  return names;
}
