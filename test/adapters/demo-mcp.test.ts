/** `npm run demo:mcp` runs end to end and its last line is `demo: mcp ok`. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { REPO_ROOT } from './helpers.ts';

test('npm run demo:mcp: a suspended MCP call approved end to end, file written after approval and verified', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/demo-mcp.ts'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 240_000,
  });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines.at(-1), 'demo: mcp ok');
  assert.match(run.stdout, /file exists before the decision\? no/);
  assert.match(run.stdout, /receipt verifies .*: yes/);
});
