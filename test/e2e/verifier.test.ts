/**
 * The offline receipt verifier in the browser: a receipt co-signed through the real
 * engine verifies; a tampered one, or one whose approver is not trusted, does not. The
 * page makes no request while verifying.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from '@playwright/test';
import { reviewedOf } from '../../src/approver/display.ts';
import { attachCosignature } from '../../src/core/statements.ts';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.ts';
import { createWorld, keyringSkipReason } from './world.ts';

const skip = browserSkipReason() ?? keyringSkipReason();

async function verifyPasted(
  page: Page,
  json: string,
): Promise<{ ok: string | null; valid: string | null; codes: string[] }> {
  await page.getByTestId('verifier-input').fill(json);
  await page.getByTestId('verifier-verify').click();
  const result = page.getByTestId('verifier-result');
  await result.waitFor();
  const codes = await page
    .locator('[data-testid=verifier-reasons] li')
    .evaluateAll((items) => items.map((li) => li.getAttribute('data-code') ?? ''));
  return { ok: await result.getAttribute('data-ok'), valid: await result.getAttribute('data-valid'), codes };
}

describe('approver UI: offline receipt verifier', { skip: skip ?? false }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  test('accepts a good co-signed receipt and rejects a tampered or untrusted one, without network', async () => {
    const world = await createWorld(browser, { onboarded: true });
    try {
      const { page, agent, teamId, engine } = world;
      const { approval } = await agent.open({ params: { amount: 480, currency: 'EUR', orderId: '5521' } });
      await page.locator(`[data-testid=queue-item][data-approval-id="${approval.id}"]`).waitFor();
      const shown = engine.getItem(approval.id);
      assert.ok(shown);
      const outcome = await engine.decide({
        approvalId: approval.id,
        decision: 'approve',
        reviewed: reviewedOf(shown),
      });
      assert.equal(outcome.status, 'accepted', outcome.message);
      const decided = await agent.client.getApproval(teamId, approval.id, { waitSeconds: 5 });
      assert.ok(decided.cosignature);
      const receipt = attachCosignature(decided.receipt, decided.cosignature);

      await page.getByRole('button', { name: 'Verify receipt' }).click();
      const trusted = page.getByTestId('verifier-trusted');
      await trusted.waitFor();
      assert.equal((await trusted.inputValue()).trim(), world.profile!.publicKey, 'prefilled with my own key');

      const requests: string[] = [];
      page.on('request', (request) => requests.push(request.url()));

      const good = await verifyPasted(page, JSON.stringify(receipt, null, 2));
      assert.deepEqual(good, { ok: 'true', valid: 'true', codes: [] });
      assert.equal(await page.getByTestId('verifier-verdict').textContent(), 'allow');
      await screenshot(page, 'verifier-valid');

      const tampered = structuredClone(receipt);
      tampered.statement.action.params.amount = 4800;
      const bad = await verifyPasted(page, JSON.stringify(tampered));
      assert.equal(bad.ok, 'false');
      assert.equal(bad.valid, 'false');
      assert.ok(
        bad.codes.includes('bad_operator_signature') || bad.codes.includes('action_hash_mismatch'),
        `reasons name the tampering: ${bad.codes.join(', ')}`,
      );
      const result = page.getByTestId('verifier-result');
      assert.equal(await result.getAttribute('data-kind'), 'invalid');
      assert.match((await result.getAttribute('class')) ?? '', /alert-error/, 'a forgery is red');
      await screenshot(page, 'verifier-tampered');

      await trusted.fill('');
      const untrusted = await verifyPasted(page, JSON.stringify(receipt));
      assert.equal(untrusted.ok, 'false');
      assert.ok(untrusted.codes.includes('approver_untrusted'), untrusted.codes.join(', '));
      // Sound signatures from a key not trusted here: amber and said so, not the red of a forgery.
      assert.equal(await result.getAttribute('data-kind'), 'untrusted');
      assert.match((await result.getAttribute('class')) ?? '', /alert-warning/);
      assert.match((await result.textContent()) ?? '', /Valid signatures, but from a key you do not trust/);
      assert.equal(await page.getByTestId('verifier-action').textContent(), 'payments.refund on cust_4821');
      await screenshot(page, 'verifier-untrusted');

      const notJson = page.getByTestId('verifier-input');
      await notJson.fill('{ "statement": ');
      await page.getByTestId('verifier-verify').click();
      await page.getByText('This is not valid JSON').waitFor();

      // A dropped or chosen file is verified at once.
      await trusted.fill(world.profile!.publicKey);
      await page.getByTestId('verifier-file').setInputFiles({
        name: 'receipt.json',
        mimeType: 'application/json',
        buffer: Buffer.from(JSON.stringify(receipt)),
      });
      await page.locator('[data-testid=verifier-result][data-ok=true]').waitFor();

      assert.deepEqual(requests, [], 'verification makes no request');
      assert.deepEqual(world.tracked.problems, []);
    } finally {
      await world.close();
    }
  });
});
