/**
 * The single-file verifier page as a reviewer gets it: `heso verify --page FILE` writes it,
 * Debian's Chromium opens it from file:// with the network disabled, and a co-signed receipt
 * verifies while a tampered one, or one whose approver is not trusted, does not; the same for
 * JSON Lines and for files picked from disk. The page requests nothing but itself, and its CSP
 * refuses a connection even when asked to make one.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Browser, Page } from '@playwright/test';
import {
  attachCosignature,
  b64url,
  buildCosignature,
  generateKeyPair,
  type Receipt,
  TRUST_FILE_TYPE,
} from '../../src/core/index.ts';
import { capture, evaluate, sign } from '../../src/sdk/index.ts';
import { TEST_POLICY } from '../sdk/helpers.ts';
import { CHROMIUM_PATH, launchChromium, openPage, type TrackedPage } from '../support/browser.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const skip = existsSync(CHROMIUM_PATH) ? false : `Chromium not found at ${CHROMIUM_PATH}`;

const operator = generateKeyPair();
const approver = generateKeyPair();
const approverKey = b64url.encode(approver.publicKey);
const stranger = b64url.encode(generateKeyPair().publicKey);

/** A refund the policy suspends, approved by `approver`. */
function approvedReceipt(amount: number, extra: Record<string, string> = {}): Receipt {
  const action = capture(
    { tool: 'payments.refund', params: { amount, currency: 'EUR', ...extra } },
    { account: 'cust-7', workflow: 'support' },
  );
  const receipt = sign(action, evaluate(action, TEST_POLICY), { teamId: 'team_page', secretKey: operator.secretKey });
  const approval = {
    id: `apr_page${amount}`,
    teamId: 'team_page',
    challenge: b64url.encode(new Uint8Array(32).fill(amount % 251)),
    expiresAt: new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
    receipt,
  };
  return attachCosignature(receipt, buildCosignature({ approval, decision: 'approve' }, approver.secretKey));
}

const valid = approvedReceipt(250);
const tampered: Receipt = {
  ...valid,
  statement: { ...valid.statement, action: { ...valid.statement.action, params: { amount: 25_000, currency: 'EUR' } } },
};
/** The agent's own pinned-keys file, as `heso trust add` writes it. */
const pinnedFile = (publicKey: string) =>
  JSON.stringify({
    type: TRUST_FILE_TYPE,
    approvers: [{ publicKey, keyId: 'k', fingerprint: 'f', name: 'Ann', addedAt: '2026-01-01T00:00:00Z' }],
  });

interface Shown {
  verdict: string;
  codes: string[];
}

async function shown(page: Page): Promise<Shown> {
  const verdict = page.getByTestId('verdict');
  await verdict.waitFor();
  const codes = await page
    .locator('[data-testid=reasons] li')
    .evaluateAll((items) => items.map((li) => li.getAttribute('data-code') ?? ''));
  return { verdict: (await verdict.textContent()) ?? '', codes };
}

async function verifyPasted(page: Page, receipt: string, trust: string): Promise<Shown> {
  await page.getByTestId('result').evaluate((node) => node.replaceChildren());
  await page.getByTestId('receipt').fill(receipt);
  await page.getByTestId('trust').fill(trust);
  await page.getByTestId('verify').click();
  return shown(page);
}

describe('the single-file verifier page, opened from disk', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'heso-page-'));
  const pagePath = join(dir, 'heso-verifier.html');
  let browser: Browser;
  let tracked: TrackedPage;
  const requests: string[] = [];

  before(async () => {
    await promisify(execFile)(process.execPath, [join(ROOT, 'bin', 'heso.mjs'), 'verify', '--page', pagePath], {
      cwd: dir,
    });
    browser = await launchChromium();
    tracked = await openPage(browser);
    await tracked.context.setOffline(true);
    tracked.page.on('request', (request) => requests.push(request.url()));
    await tracked.page.goto(pathToFileURL(pagePath).href);
  });
  after(async () => {
    await tracked?.close();
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('valid, tampered and untrusted receipts, pasted', async () => {
    const { page } = tracked;
    const ok = await verifyPasted(page, JSON.stringify(valid, null, 2), approverKey);
    assert.match(ok.verdict, /VALID and ALLOWED/);
    assert.deepEqual(ok.codes, []);
    assert.equal(await page.locator('[data-field=tool]').textContent(), 'payments.refund');
    assert.match((await page.getByTestId('params').textContent()) ?? '', /"amount": 250/);
    assert.match((await page.locator('[data-field="approver key"]').textContent()) ?? '', /\(approve\)/);

    const bad = await verifyPasted(page, JSON.stringify(tampered), approverKey);
    assert.match(bad.verdict, /INVALID/);
    assert.ok(bad.codes.includes('action_hash_mismatch'), bad.codes.join());

    const untrusted = await verifyPasted(page, JSON.stringify(valid), pinnedFile(stranger));
    assert.match(untrusted.verdict, /INVALID/);
    assert.deepEqual(untrusted.codes, ['approver_untrusted']);

    await page.getByTestId('trust').fill('');
    await page.getByTestId('verify').click();
    assert.match((await page.getByTestId('error').textContent()) ?? '', /approver keys you trust/);
    assert.equal(await page.getByTestId('verdict').count(), 0, 'no verdict without trusted keys');
  });

  test('markup inside a signed receipt is shown as text, never run', async () => {
    const { page, problems } = tracked;
    const hostile = approvedReceipt(260, {
      note: '<img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>',
    });
    const ok = await verifyPasted(page, JSON.stringify(hostile), approverKey);
    assert.match(ok.verdict, /VALID and ALLOWED/);
    assert.match((await page.getByTestId('params').textContent()) ?? '', /<img src=x onerror=/);
    assert.equal(await page.locator('#result img, #result script').count(), 0);
    assert.equal(await page.title(), 'HESO receipt verifier');
    assert.deepEqual(problems, []);
  });

  test('JSON Lines and the trusted-approvers.json file picked from disk', async () => {
    const { page } = tracked;
    const lines = join(dir, 'export.jsonl');
    writeFileSync(lines, `${JSON.stringify(valid)}\n${JSON.stringify(tampered)}\nnot json\n`);
    const trust = join(dir, 'trusted-approvers.json');
    writeFileSync(trust, pinnedFile(approverKey));
    await page.getByTestId('result').evaluate((node) => node.replaceChildren());
    await page.getByTestId('trust').fill('');
    await page.getByTestId('receipt-file').setInputFiles(lines);
    await page.getByTestId('trust-file').setInputFiles(trust);
    const { verdict } = await shown(page);
    assert.match(verdict, /1 of 3 valid .*2 INVALID/);
    const rows = await page
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-line'), tr.getAttribute('data-valid')]));
    assert.deepEqual(rows, [
      ['1', 'true'],
      ['2', 'false'],
      ['3', 'false'],
    ]);
    assert.ok(await page.locator('tr[data-line="2"] [data-code=action_hash_mismatch]').count());
    assert.ok(await page.locator('tr[data-line="3"] [data-code=malformed]').count());
  });

  test('requests nothing but itself, and its CSP refuses any connection', async () => {
    const { page, context, problems } = tracked;
    assert.deepEqual(requests, [pathToFileURL(pagePath).href]);
    assert.deepEqual(problems, [], 'no page errors or CSP violations while verifying');
    // Online now, with a listener on loopback: a fetch from the page is still refused, and never arrives.
    let hits = 0;
    const server: Server = createServer((_req, res) => {
      hits += 1;
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await context.setOffline(false);
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const outcome = await page.evaluate(
        (target) =>
          fetch(target).then(
            () => 'sent',
            () => 'refused',
          ),
        url,
      );
      assert.equal(outcome, 'refused');
      assert.equal(hits, 0);
    } finally {
      server.close();
    }
  });
});
