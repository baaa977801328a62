import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'bin', 'heso.mjs');
const receiptPath = join(root, 'docs', 'examples', 'receipt.json');
const trustPath = join(root, 'docs', 'examples', 'trust.json');
const approverKey: string = JSON.parse(readFileSync(trustPath, 'utf8')).approverKeys[0];
const receipt = JSON.parse(readFileSync(receiptPath, 'utf8'));
const operatorKey: string = receipt.statement.operatorPublicKey;

const dir = mkdtempSync(join(tmpdir(), 'heso-verify-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

function heso(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return hesoWithInput(null, ...args);
}

function hesoWithInput(
  input: string | null,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [bin, ...args], { cwd: root }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end(input ?? '');
  });
}

describe('heso verify', { concurrency: 4 }, () => {
  test('the worked example verifies offline: exit 0, verdict allow', async () => {
    const r = await heso('verify', receiptPath, '--trust', trustPath);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /verdict\s+allow/);
    assert.match(r.stdout, /VALID and ALLOWED/);
    assert.match(r.stdout, /code\s+XXR-18J/);
  });

  test('--json output for machines', async () => {
    const r = await heso('verify', receiptPath, '--trust', approverKey, '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual([out.ok, out.valid, out.verdict, out.reasons], [true, true, 'allow', []]);
  });

  test('a tampered copy is refused with the reasons: exit 1', async () => {
    const tampered = structuredClone(receipt);
    tampered.statement.action.params.amount = 2500.5;
    const r = await heso('verify', file('tampered.json', JSON.stringify(tampered)), '--trust', trustPath);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /NOT ALLOWED/);
    assert.match(r.stdout, /bad_operator_signature/);
    assert.match(r.stdout, /action_hash_mismatch/);
    assert.match(r.stdout, /verdict\s+block/);
  });

  test('without the approver key pinned the action stays suspended: exit 1', async () => {
    const r = await heso('verify', receiptPath, '--json');
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout);
    assert.equal(out.verdict, 'suspend');
    assert.deepEqual(
      out.reasons.map((x: { code: string }) => x.code),
      ['approver_untrusted'],
    );
  });

  test('a text trust file with comments; --operator pinning', async () => {
    const keysFile = file('keys.txt', `# approvers\n\n${approverKey}\n`);
    assert.equal((await heso('verify', receiptPath, '--trust', keysFile, '--operator', operatorKey)).code, 0);
    const wrongOperator = await heso('verify', receiptPath, '--trust', keysFile, '--operator', approverKey);
    assert.equal(wrongOperator.code, 1);
    assert.match(wrongOperator.stdout, /operator_untrusted/);
  });

  test('truncated receipt JSON: malformed, exit 1, no stack trace', async () => {
    const text = readFileSync(receiptPath, 'utf8');
    const r = await heso('verify', file('truncated.json', text.slice(0, 200)), '--trust', trustPath);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /malformed: receipt: is not valid JSON/);
    assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at /);
  });

  test('a signature or key in a second, non-canonical base64url spelling is malformed, not a bad signature', async () => {
    // The last character of a 64-byte signature carries 2 data bits and 4 unused bits; setting an
    // unused bit spells the same bytes differently. Same for the 32-byte key (2 unused bits).
    const respell = (text: string) => text.slice(0, -1) + String.fromCharCode(text.charCodeAt(text.length - 1) + 1);
    for (const [field, mutate] of [
      ['receipt.signature', (r: typeof receipt) => Object.assign(r, { signature: respell(r.signature) })],
      [
        'receipt.statement.operatorPublicKey',
        (r: typeof receipt) =>
          Object.assign(r.statement, { operatorPublicKey: respell(r.statement.operatorPublicKey) }),
      ],
    ] as const) {
      const copy = structuredClone(receipt);
      mutate(copy);
      const r = await heso(
        'verify',
        file(`respelled-${field}.json`, JSON.stringify(copy)),
        '--trust',
        trustPath,
        '--json',
      );
      assert.equal(r.code, 1);
      const reasons = JSON.parse(r.stdout).reasons as { code: string; field?: string; message: string }[];
      assert.deepEqual(
        reasons.map((x) => [x.code, x.field]),
        [['malformed', field]],
      );
      assert.match(reasons[0]!.message, /canonical base64url/);
    }
  });

  test('small-order and non-canonical keys are refused as trust, with the reason named: exit 2', async () => {
    const identity = `AQ${'A'.repeat(41)}`; // 01 00 … 00: the identity point, small order
    const smallOrder = await heso('verify', receiptPath, '--trust', identity);
    assert.equal(smallOrder.code, 2);
    assert.match(smallOrder.stderr, /small-order Ed25519 point/);
    const yIsP = `7f${'f'.repeat(60)}ed`.match(/../g)!.reverse().join(''); // y = p, little-endian
    const nonCanonical = Buffer.from(yIsP, 'hex').toString('base64url');
    const inFile = await heso(
      'verify',
      receiptPath,
      '--trust',
      file('weak-keys.txt', `${approverKey}\n${nonCanonical}\n`),
    );
    assert.equal(inFile.code, 2);
    assert.match(inFile.stderr, /line 2: public key is not the canonical encoding of an Ed25519 point/);
    const inJson = await heso(
      'verify',
      receiptPath,
      '--operator',
      file('weak.json', JSON.stringify({ approverKeys: [identity] })),
    );
    assert.equal(inJson.code, 2);
    assert.match(inJson.stderr, /approverKeys\[0\].*small-order/);
  });

  test('usage errors exit 2 with a clear message', async () => {
    const missing = await heso('verify', join(dir, 'nope.json'), '--trust', trustPath);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /receipt .*nope\.json: cannot read it/);

    const badTrust = await heso('verify', receiptPath, '--trust', 'not-a-key');
    assert.equal(badTrust.code, 2);
    assert.match(badTrust.stderr, /--trust not-a-key: neither a base64url public key/);

    // A key may start with "-" (1 in 64): it is read as the option's value, not as another option.
    const dashKey = `-${approverKey.slice(1)}`;
    const dashed = await heso('verify', receiptPath, '--trust', dashKey, '--operator', dashKey);
    assert.doesNotMatch(dashed.stderr, /ambiguous|forget to specify/);

    const badTrustFile = await heso('verify', receiptPath, '--trust', file('bad-trust.json', '{"approverKeys": 5}'));
    assert.equal(badTrustFile.code, 2);
    assert.match(badTrustFile.stderr, /approverKeys/);

    const badLine = await heso('verify', receiptPath, '--trust', file('bad-keys.txt', `${approverKey}\nhello\n`));
    assert.equal(badLine.code, 2);
    assert.match(badLine.stderr, /line 2: not a base64url Ed25519 public key/);

    const unknownFlag = await heso('verify', receiptPath, '--frobnicate');
    assert.equal(unknownFlag.code, 2);
    const noFile = await heso('verify', '--json');
    assert.equal(noFile.code, 2);
    assert.equal(JSON.parse(noFile.stdout).error.code, 'usage');
  });

  test("the agent's own pinned-keys file (heso trust add) is accepted as --trust", async () => {
    const dataDir = join(dir, 'agent-data');
    assert.equal((await heso('init', '--data-dir', dataDir, '--no-gitignore')).code, 0);
    const pinned = await heso('trust', 'add', '--name', 'Dana', '--data-dir', dataDir, '--', approverKey);
    assert.equal(pinned.code, 0, pinned.stderr);
    const r = await heso('verify', receiptPath, '--trust', join(dataDir, 'trusted-approvers.json'));
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /VALID and ALLOWED/);
    // Without the approver pinned, the same receipt's co-signature is not accepted.
    const empty = join(dir, 'agent-empty');
    await heso('init', '--data-dir', empty, '--no-gitignore');
    await heso('trust', 'add', '--data-dir', empty, '--', operatorKey);
    const other = await heso('verify', receiptPath, '--trust', join(empty, 'trusted-approvers.json'));
    assert.equal(other.code, 1);
  });

  test('JSON Lines: one report per receipt; a tampered line fails the file (exit 1), from stdin too', async () => {
    const tampered = structuredClone(receipt);
    tampered.statement.action.params.amount = 9999;
    const good = JSON.stringify(receipt);
    const allGood = await hesoWithInput(`${good}\n${good}\n`, 'verify', '-', '--trust', trustPath);
    assert.equal(allGood.code, 0, allGood.stdout + allGood.stderr);
    assert.match(allGood.stdout, /2 of 2 valid \(2 allowed/);
    const mixed = file('mixed.jsonl', `${good}\n${JSON.stringify(tampered)}\nnot json\n`);
    const r = await heso('verify', mixed, '--trust', trustPath, '--json');
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(
      out.receipts.map((x: { line: number; valid: boolean }) => [x.line, x.valid]),
      [
        [1, true],
        [2, false],
        [3, false],
      ],
    );
    assert.deepEqual([out.summary.valid, out.summary.invalid], [1, 2]);
    const none = await heso('verify', file('empty.jsonl', '\n'), '--trust', trustPath);
    assert.equal(none.code, 1);
    assert.match(none.stdout, /no receipts/);
  });

  test('help and the dispatcher', async () => {
    const help = await heso('verify', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /usage: heso verify RECEIPT\.json\|RECEIPTS\.jsonl\|- --trust/);
    const top = await heso('--help');
    assert.equal(top.code, 0);
    assert.match(top.stdout, /verify\s+verify a receipt offline/);
    const unknown = await heso('frobnicate');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
  });
});
