/**
 * One endpoint rule everywhere an endpoint is accepted: https for any host, plain http only
 * for loopback (127.0.0.0/8, ::1, localhost), no credentials in the URL. Over plain http to
 * another host the team API key would travel in clear.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { invokeContract } from '../../src/app/contract.ts';
import { ApproverEngine } from '../../src/approver/engine.ts';
import { InMemoryKeyStore } from '../../src/approver/key-store.ts';
import { ControlPlaneClient } from '../../src/client/index.ts';
import { Endpoint, endpointProblem } from '../../src/core/schemas.ts';
import { configure, HesoError } from '../../src/sdk/index.ts';
import { tempDir } from '../approver/helpers.ts';

const ALLOWED = [
  'https://heso.example.com',
  'https://heso.example.com/base/',
  'https://10.0.0.5:8443',
  'http://127.0.0.1:8787',
  'http://127.12.0.1',
  'http://127.1:8787', // URL normalises it to 127.0.0.1
  'http://localhost:8787',
  'http://LOCALHOST',
  'http://[::1]:8787',
];
const PLAIN_HTTP_ELSEWHERE = [
  'http://heso.example.com',
  'http://10.0.0.5:8787',
  'http://128.0.0.1',
  'http://[::2]',
  'http://localhost.example.com',
  'http://127.0.0.1.example.com',
  'http://0.0.0.0:8787',
];
const OTHERWISE_BAD = ['ftp://heso.example.com', 'heso.example.com', 'https://u:p@heso.example.com', ''];

test('the shared schema: https anywhere, http only on loopback, with a message that says why', () => {
  for (const url of ALLOWED) assert.equal(endpointProblem(url), null, url);
  for (const url of PLAIN_HTTP_ELSEWHERE) {
    assert.match(endpointProblem(url) ?? '', /plain http:\/\/ is only allowed for a server on this machine/, url);
    assert.match(endpointProblem(url) ?? '', /API key would travel in clear/, url);
    assert.equal(Endpoint.safeParse(url).success, false, url);
  }
  for (const url of OTHERWISE_BAD) assert.notEqual(endpointProblem(url), null, url);
  assert.match(endpointProblem('http://heso.example.com/v') ?? '', /use https:\/\/heso\.example\.com\/v/);
});

test('the client, SDK configure, the IPC contract and engine init all refuse plain http to another host', async () => {
  const endpoint = 'http://heso.example.com';
  assert.throws(() => new ControlPlaneClient({ endpoint, apiKey: 'heso_k' }), /only allowed for a server on this/);
  assert.doesNotThrow(() => new ControlPlaneClient({ endpoint: 'http://127.0.0.1:9', apiKey: 'heso_k' }));
  assert.throws(
    () => configure('heso_k', endpoint),
    (err: unknown) => err instanceof HesoError && err.code === 'not_configured' && /travel in clear/.test(err.message),
  );

  const args = { endpoint, teamId: 't1', apiKey: 'heso_abcdefgh', displayName: 'N' };
  const parsed = invokeContract['profiles:init'].args.safeParse(args);
  assert.equal(parsed.success, false);
  assert.match(parsed.error?.issues[0]?.message ?? '', /only allowed for a server on this machine/);
  assert.equal(
    invokeContract['profiles:init'].args.safeParse({ ...args, endpoint: 'https://x.example' }).success,
    true,
  );

  const dir = tempDir();
  try {
    const engine = new ApproverEngine({ configDir: dir.path, keyStore: new InMemoryKeyStore() });
    await assert.rejects(engine.initProfile(args), /endpoint: plain http:\/\/ is only allowed/);
    assert.deepEqual(await engine.listProfiles(), []);
  } finally {
    dir.cleanup();
  }
});

test('heso-approver init refuses it before touching the keychain (exit 2)', async () => {
  const bin = fileURLToPath(new URL('../../bin/heso-approver.mjs', import.meta.url));
  const dir = tempDir();
  try {
    const run = await new Promise<{ code: number; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        [bin, 'init', '--config-dir', dir.path, '--endpoint', 'http://heso.example.com', '--team', 't1', '--name', 'N'],
        { encoding: 'utf8' },
        (error, _stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
      );
      child.stdin?.end('heso_abc_123456\n');
    });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /plain http:\/\/ is only allowed for a server on this machine/);
  } finally {
    dir.cleanup();
  }
});
