/**
 * `python -m heso verify` and `heso verify` on quorum receipts, with who is who read from the
 * same trust files (src/core/trust-file.ts): a JSON trust set with `approvers`, and the agent's
 * `trusted-approvers.json` as `heso trust add --person/--group/--requester` writes it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { attachCosignatures, b64url, fingerprintOf, keyIdOf, type Receipt } from '../../src/core/index.ts';
import { computeWorkedExample } from '../core/protocol-example.ts';
import { tempDir } from '../sdk/helpers.ts';
import { root, runPython } from './support.ts';

const example = computeWorkedExample();
const [financeKey, securityKey] = example.quorumTrust.approverKeys as [string, string];
const operatorKey = example.quorumReceipt.statement.operatorPublicKey;

interface PinLabels {
  person?: string;
  groups?: string[];
  requesterKeys?: string[];
}

/** One entry of `trusted-approvers.json`, as `heso trust add` writes it. */
function pin(publicKey: string, name: string, labels: PinLabels = {}) {
  const bytes = b64url.decode(publicKey);
  return {
    publicKey,
    keyId: keyIdOf(bytes),
    fingerprint: fingerprintOf(bytes),
    name,
    addedAt: '2026-03-02T09:00:00.000Z',
    ...labels,
  };
}

const pinned = (...approvers: ReturnType<typeof pin>[]) => ({ type: 'heso.trusted-approvers.v1', approvers });

describe('python -m heso verify mirrors heso verify on quorum receipts', () => {
  const t = tempDir('heso-py-quorum-cli-');
  after(t.cleanup);
  const write = (name: string, value: unknown) => {
    const path = join(t.dir, name);
    writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
    return path;
  };
  const receipt = write('quorum-receipt.json', example.quorumReceipt);
  const financeOnly: Receipt = attachCosignatures(example.quorumReceipt, [example.quorumReceipt.cosignatures![0]!]);
  const labelled = pinned(
    pin(financeKey, 'Dana', { person: 'dana', groups: ['finance'] }),
    pin(securityKey, 'Raj', { person: 'raj', groups: ['security'] }),
  );
  const cases: [string, string[]][] = [
    ['JSON trust set with approvers: met', [receipt, '--trust', write('trust.json', example.quorumTrust)]],
    ['pinned file with person and groups: met', [receipt, '--trust', write('pins.json', labelled)]],
    [
      'pinned file without labels: no group is known',
      [receipt, '--trust', write('plain.json', pinned(pin(financeKey, 'Dana'), pin(securityKey, 'Raj')))],
    ],
    [
      'pinned file: both signing keys pinned to one person (duplicate approver)',
      [
        receipt,
        '--trust',
        write(
          'rotation.json',
          pinned(
            pin(financeKey, 'Dana', { person: 'dana', groups: ['finance', 'security'] }),
            pin(securityKey, 'Dana (rotated key)', { person: 'dana' }),
          ),
        ),
      ],
    ],
    [
      'pinned file: Raj requested this action',
      [
        receipt,
        '--trust',
        write(
          'requester.json',
          pinned(
            pin(financeKey, 'Dana', { person: 'dana', groups: ['finance'] }),
            pin(securityKey, 'Raj', { person: 'raj', groups: ['security'], requesterKeys: [operatorKey] }),
          ),
        ),
      ],
    ],
    [
      'labels from one file, keys from two',
      [
        receipt,
        '--trust',
        write('dana.json', pinned(pin(financeKey, 'Dana', { person: 'dana', groups: ['finance'] }))),
        '--trust',
        write('raj.json', pinned(pin(securityKey, 'Raj', { person: 'raj', groups: ['security'] }))),
      ],
    ],
    ['not met: one co-signature', [write('finance-only.json', financeOnly), '--trust', write('pins2.json', labelled)]],
    [
      'trust set pinning one key under two people (malformed)',
      [
        receipt,
        '--trust',
        write('overlap.json', {
          ...example.quorumTrust,
          approvers: [...example.quorumTrust.approvers!, { id: 'eve', keys: [financeKey] }],
        }),
      ],
    ],
    [
      'pinned file with a bad group (usage)',
      [receipt, '--trust', write('bad-group.json', pinned(pin(financeKey, 'Dana', { groups: ['no spaces'] })))],
    ],
    [
      'pinned file with an unknown field (usage)',
      [receipt, '--trust', write('bad-field.json', pinned({ ...pin(financeKey, 'Dana'), role: 'cfo' } as never))],
    ],
  ];
  for (const [name, args] of cases) {
    test(name, () => {
      const ts = spawnSync(process.execPath, [join(root, 'bin/heso.mjs'), 'verify', ...args, '--json'], {
        encoding: 'utf8',
      });
      const py = runPython(['-m', 'heso', 'verify', ...args, '--json']);
      assert.equal(py.status, ts.status, `exit ${py.status} vs ${ts.status}\n${py.stderr}\n${ts.stderr}`);
      const tsOut = JSON.parse(ts.stdout);
      const pyOut = JSON.parse(py.stdout);
      const codes = (o: { reasons?: { code: string; field?: string }[]; error?: { code: string } }) =>
        o.reasons ? o.reasons.map((r) => `${r.code}@${r.field ?? ''}`).sort() : [o.error?.code];
      assert.deepEqual(codes(pyOut), codes(tsOut));
      for (const key of ['ok', 'valid', 'verdict', 'approverKeyId', 'decision', 'quorum'])
        assert.deepEqual(pyOut[key], tsOut[key], key);
    });
  }

  test('the human report shows how far the quorum got', () => {
    const py = runPython(['-m', 'heso', 'verify', receipt, '--trust', write('pins3.json', labelled)]);
    assert.equal(py.status, 0, py.stderr);
    assert.match(py.stdout, /quorum {4}2 of 2 approvals · finance 1\/1 · security 1\/1\n/);
    const short = runPython([
      '-m',
      'heso',
      'verify',
      write('short.json', financeOnly),
      '--trust',
      write('pins4.json', labelled),
    ]);
    assert.equal(short.status, 1);
    assert.match(short.stdout, /quorum {4}1 of 2 approvals · finance 1\/1 · security 0\/1\n/);
    assert.match(short.stdout, /quorum_not_met: 1 of 2 trusted approvals; security needs 1 more/);
  });
});
