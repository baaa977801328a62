import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { build } from 'esbuild';

const ENTRY = fileURLToPath(new URL('../../src/policy/index.ts', import.meta.url));

test('the policy language bundles for the browser and runs without any Node global', async () => {
  // platform 'browser' fails the build on any node: import or Node built-in anywhere in the graph.
  const out = await build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'hesoPolicy',
    write: false,
    logLevel: 'silent',
  });
  const code = out.outputFiles[0]!.text;
  // A bare context: no process, require, Buffer or module; only what every browser has and the
  // code uses (TextEncoder/TextDecoder: params limits count UTF-8 bytes, base64url is strict).
  const sandbox: Record<string, unknown> = {};
  vm.runInNewContext(`${code}\nresult = hesoPolicy.evaluate(action, policy);`, {
    ...sandbox,
    TextEncoder,
    TextDecoder,
    action: { tool: 'payments.refund', params: { amount: 250 }, account: 'a', workflow: 'w' },
    policy: {
      version: '1',
      defaultVerdict: 'allow',
      rules: [{ id: 'big', verdict: 'suspend', when: ['amount > 100'] }],
    },
    get result() {
      return sandbox.result;
    },
    set result(v) {
      sandbox.result = v;
    },
  });
  const result = sandbox.result as { verdict: string; ruleId: string };
  assert.equal(result.verdict, 'suspend');
  assert.equal(result.ruleId, 'big');
});
