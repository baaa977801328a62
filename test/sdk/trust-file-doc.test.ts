/**
 * docs/protocol.md §3.1 describes the trust files exactly; these tests hold the code to
 * each statement (the SDK's trusted-approvers.json, heso verify's text and JSON files).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { initDataDir, TrustStore } from '../../src/sdk/index.ts';
import { tempDir } from './helpers.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const doc = readFileSync(join(root, 'docs/protocol.md'), 'utf8');
const section = doc.slice(doc.indexOf('### 3.1 Trust files'), doc.indexOf('## 4. Verification algorithm'));
const docExample = /```json\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
const receiptPath = join(root, 'docs/examples/receipt.json');
const approverKey = 'Kay64UG8yvCyLhqU000LxzYeUm0L_hLIl5S8kyKWbdc';
const operatorKey = 'A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg';

function inDataDir(run: (dir: string, store: TrustStore) => void): void {
  const t = tempDir();
  try {
    const dir = join(t.dir, '.heso');
    initDataDir(dir, { gitignore: false });
    run(dir, new TrustStore(dir));
  } finally {
    t.cleanup();
  }
}

test('the documented trusted-approvers.json example is what TrustStore reads, and its trust set', () => {
  inDataDir((_dir, store) => {
    writeFileSync(store.file, docExample);
    assert.deepEqual(
      store.list().map((a) => [a.publicKey, a.name]),
      [[approverKey, 'Ann']],
    );
    assert.deepEqual(store.trustSet({ operatorKeys: [operatorKey] }), {
      approverKeys: [approverKey],
      operatorKeys: [operatorKey],
    });
  });
});

test('trusted-approvers.json: wrong type, unknown field or a refused key is an error, never an empty trust set', () => {
  const example = JSON.parse(docExample);
  const variants = [
    { ...example, type: 'heso.trusted-approvers.v2' },
    { ...example, extra: 1 },
    { ...example, approvers: [{ ...example.approvers[0], publicKey: `AQ${'A'.repeat(41)}` }] },
    { ...example, approvers: [{ ...example.approvers[0], colour: 'red' }] },
  ];
  for (const variant of variants) {
    inDataDir((_dir, store) => {
      writeFileSync(store.file, JSON.stringify(variant));
      assert.throws(() => store.list(), /not a valid trusted-approvers file/);
      assert.throws(() => store.trustSet(), /not a valid trusted-approvers file/);
    });
  }
});

test('heso verify text trust files: CRLF, surrounding whitespace, blank and # lines; JSON files to --operator', () => {
  const t = tempDir();
  try {
    const heso = (...args: string[]) =>
      spawnSync(process.execPath, [join(root, 'bin/heso.mjs'), 'verify', receiptPath, ...args], { encoding: 'utf8' });
    const text = join(t.dir, 'keys.txt');
    writeFileSync(text, `# pinned\r\n\r\n   ${approverKey}  \r\n# end\r\n`);
    assert.equal(heso('--trust', text).status, 0);
    // In an --operator file, approverKeys are operator keys too.
    const json = join(t.dir, 'ops.json');
    writeFileSync(json, `  ${JSON.stringify({ approverKeys: [approverKey] })}`);
    const wrongOperator = heso('--trust', text, '--operator', json, '--json');
    assert.equal(wrongOperator.status, 1);
    assert.match(wrongOperator.stdout, /operator_untrusted/);
    writeFileSync(json, JSON.stringify({ approverKeys: [operatorKey] }));
    assert.equal(heso('--trust', text, '--operator', json).status, 0);
    // A line with two keys is not a key.
    writeFileSync(text, `${approverKey} ${approverKey}\n`);
    assert.equal(heso('--trust', text).status, 2);
  } finally {
    t.cleanup();
  }
});
