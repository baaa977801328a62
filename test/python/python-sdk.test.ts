/**
 * The Python SDK end to end: its own unittest suite; `python -m heso verify` against
 * `heso verify` (same exit codes, same reason codes); a Python agent whose suspended action
 * runs only after a trusted approver co-signs it on a real control plane (a test key, and the
 * approver app's own engine with its key in the OS keychain); observe-only mode.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PendingItem } from '../../src/approver/api.ts';
import type { ControlPlaneClient } from '../../src/client/index.ts';
import { b64url, generateKeyPair } from '../../src/core/index.ts';
import { initDataDir, loadOperatorKey } from '../../src/sdk/index.ts';
import { approveShown, KEYRING_SKIP, makeEngine, nextEvent, testKeyStore } from '../approver/helpers.ts';
import { computeWorkedExample } from '../core/protocol-example.ts';
import { makeApprover, makeTeam, type TestApprover, type TestTeam, tempDir } from '../sdk/helpers.ts';
import { type CloudHandle, startCloud } from '../support/cloud.ts';
import { nextPendingApproval, root, runAgent, runPython } from './support.ts';

test('the Python unittest suite passes (vectors, JCS, configuration order)', () => {
  const r = runPython(['-m', 'unittest', 'discover', '-s', 'tests', '-t', '.']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /\nOK\b/);
});

describe('python -m heso verify mirrors heso verify', () => {
  const t = tempDir('heso-py-cli-');
  after(t.cleanup);
  const example = computeWorkedExample();
  const write = (name: string, value: unknown) => {
    const path = join(t.dir, name);
    writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
    return path;
  };
  const trustFile = write('trust.json', example.trust);
  const approverKey = example.trust.approverKeys[0]!;
  const pinnedFile = write('trusted-approvers.json', {
    type: 'heso.trusted-approvers.v1',
    approvers: [
      { publicKey: approverKey, keyId: 'k', fingerprint: 'f', name: 'Ann', addedAt: '2026-03-02T09:00:00.000Z' },
    ],
  });
  const strangerFile = write('stranger.json', { approverKeys: [b64url.encode(generateKeyPair().publicKey)] });
  const tampered = structuredClone(example.receipt);
  tampered.statement.action.params.amount = 25000.5;
  const { cosignature: _, ...suspended } = example.receipt;
  const cases: [string, string[]][] = [
    ['valid', [write('valid.json', example.receipt), '--trust', trustFile]],
    ['tampered', [write('tampered.json', tampered), '--trust', trustFile]],
    ['pinned-keys file as trust', [write('valid4.json', example.receipt), '--trust', pinnedFile]],
    ['untrusted approver', [write('valid2.json', example.receipt), '--trust', strangerFile]],
    ['suspended', [write('suspended.json', suspended), '--trust', trustFile]],
    ['not JSON', [write('broken.json', '{"statement": '), '--trust', trustFile]],
    ['no receipt (usage)', ['--trust', trustFile]],
    ['bad key (usage)', [write('valid3.json', example.receipt), '--trust', 'A'.repeat(43)]],
  ];
  for (const [name, args] of cases) {
    test(name, () => {
      const ts = spawnSync(process.execPath, [join(root, 'bin/heso.mjs'), 'verify', ...args, '--json'], {
        encoding: 'utf8',
      });
      const py = runPython(['-m', 'heso', 'verify', ...args, '--json']);
      assert.equal(py.status, ts.status, `${name}: exit ${py.status} vs ${ts.status}\n${py.stderr}`);
      const tsOut = JSON.parse(ts.stdout);
      const pyOut = JSON.parse(py.stdout);
      const codes = (o: { reasons?: { code: string }[]; error?: { code: string } }) =>
        o.reasons ? o.reasons.map((r) => r.code).sort() : [o.error?.code];
      assert.deepEqual(codes(pyOut), codes(tsOut), name);
      assert.equal(pyOut.verdict, tsOut.verdict, name);
    });
  }

  test('JSON Lines, from a file and from standard input: the same summary and per-line reason codes', () => {
    const lines = [example.receipt, tampered, suspended].map((r) => JSON.stringify(r)).join('\n');
    const jsonl = write('export.jsonl', `${lines}\n{"statement": \n\n`);
    const perLine = (o: {
      receipts: { line: number; valid: boolean; verdict: string; reasons: { code: string }[] }[];
    }) => o.receipts.map((r) => [r.line, r.valid, r.verdict, r.reasons.map((x) => x.code).sort()]);
    for (const [label, args, input] of [
      ['file', [jsonl], ''],
      ['stdin', ['-'], lines],
    ] as const) {
      const ts = spawnSync(
        process.execPath,
        [join(root, 'bin/heso.mjs'), 'verify', ...args, '--trust', trustFile, '--json'],
        {
          encoding: 'utf8',
          input,
        },
      );
      const py = runPython(['-m', 'heso', 'verify', ...args, '--trust', trustFile, '--json'], input);
      assert.equal(py.status, ts.status, `${label}: exit ${py.status} vs ${ts.status}\n${py.stderr}`);
      const tsOut = JSON.parse(ts.stdout);
      const pyOut = JSON.parse(py.stdout);
      assert.deepEqual(pyOut.summary, tsOut.summary, label);
      assert.deepEqual(perLine(pyOut), perLine(tsOut), label);
      assert.equal(pyOut.ok, tsOut.ok, label);
    }
    const human = runPython(['-m', 'heso', 'verify', jsonl, '--trust', trustFile]);
    assert.equal(human.status, 1);
    assert.match(human.stdout, /2 of 4 valid \(1 allowed, 0 blocked, 1 suspended\), 2 INVALID/);
  });
});

describe('a Python agent gated by a real control plane and approver', () => {
  let cloud: CloudHandle;
  let team: TestTeam;
  let approver: TestApprover;
  const t = tempDir('heso-py-agent-');
  before(async () => {
    cloud = await startCloud();
    team = await makeTeam(cloud);
    approver = await makeApprover(cloud, team);
    initDataDir(join(t.dir, '.heso'), { gitignore: false });
    mkdirSync(t.dir, { recursive: true });
    writeFileSync(
      join(t.dir, 'heso.toml'),
      `[heso]\nteam = "${team.teamId}"\nworkflow = "py-agent"\naccount = "acct_1"\ntimeout = 60\n`,
    );
  });
  after(async () => {
    await cloud.stop();
    t.cleanup();
  });

  const agent = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    runAgent(args, {
      HESO_PROJECT_ROOT: t.dir,
      TEST_HESO_API_KEY: team.apiKey,
      TEST_HESO_ENDPOINT: cloud.url,
      TEST_APPROVER_KEY: approver.publicKey,
      ...env,
    });
  const nextPending = (client: ControlPlaneClient) => nextPendingApproval(client, team.teamId);

  test('small refund: allowed by policy, runs at once', async () => {
    assert.deepEqual(await agent(['refund', '20']), { ran: ['refund 20'] });
  });

  test('big refund: runs only after the trusted approver co-signs it', async () => {
    const run = agent(['refund', '250']);
    const approval = await nextPending(team.client);
    assert.equal(approval.receipt.statement.action.params.amount, 250);
    await approver.decide(approval, 'approve');
    assert.deepEqual(await run, { ran: ['refund 250'] });
  });

  test('the approver app engine (key in the OS keychain) co-signs; the Python agent verifies it and runs', {
    skip: KEYRING_SKIP,
  }, async () => {
    const dir = tempDir('heso-py-engine-');
    const engine = makeEngine(dir.dir, { keyStore: testKeyStore() });
    try {
      const profile = await engine.initProfile({
        endpoint: cloud.url,
        teamId: team.teamId,
        apiKey: team.apiKey,
        displayName: 'Ann Approver',
      });
      await cloud.admin.activateApprover(team.teamId, profile.keyId);
      await engine.start(profile.name);
      // The approver's admin pinned this agent's operator key for its workflow (heso.toml: py-agent).
      const operator = loadOperatorKey(join(t.dir, '.heso'));
      await engine.trustOperator({ publicKey: operator.publicKey, workflows: ['py-agent'], profile: profile.name });
      const added = nextEvent<PendingItem>((listener) => engine.on('added', listener), undefined, 60_000);
      const run = agent(['refund', '260'], { TEST_APPROVER_KEY: profile.publicKey });
      const item = await added;
      assert.deepEqual(item.verification, { ok: true, reasons: [] }, 'the engine checked the Python-signed receipt');
      assert.equal(JSON.parse(item.canonicalAction).params.amount, 260);
      const outcome = await approveShown(engine, item.approval.id, { profile: profile.name });
      assert.equal(outcome.status, 'accepted', outcome.message);
      assert.deepEqual(await run, { ran: ['refund 260'] });
    } finally {
      await engine.stop();
      await engine.removeProfile(team.teamId).catch(() => undefined);
      dir.cleanup();
    }
  });

  test('big refund denied: the call does not run', async () => {
    const run = agent(['refund', '300']);
    await approver.decide(await nextPending(team.client), 'deny');
    const result = await run;
    assert.deepEqual(result.ran, []);
    assert.deepEqual(result.codes, ['decision_denied']);
  });

  test('a co-signature by a key the agent does not trust does not count', async () => {
    const stranger = b64url.encode(generateKeyPair().publicKey);
    const run = agent(['refund', '400'], { TEST_APPROVER_KEY: stranger });
    await approver.decide(await nextPending(team.client), 'approve');
    const result = await run;
    assert.deepEqual(result.ran, []);
    assert.deepEqual(result.codes, ['approver_untrusted']);
  });

  test('blocked action: raises by default, runs and reports in observe-only mode', async () => {
    const blocking = await agent(['delete', 'users']);
    assert.deepEqual(blocking.ran, []);
    assert.match(blocking.blocked ?? '', /verdict block/);
    const observed = await agent(['delete', 'users'], { HESO_BLOCKING: '0' });
    assert.deepEqual(observed, { ran: ['delete users (block, observed only)'] });
  });
});
