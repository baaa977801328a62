/**
 * Operator-key trust in the app (Chromium, real engine, real keychain, real control plane): a
 * request signed by a key this profile never trusted shows the key's fingerprint as "new", cannot
 * be approved, and becomes approvable only after "Trust this operator key" and its confirmation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from '@playwright/test';
import { fingerprintOf } from '../../src/core/crypto.ts';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.ts';
import { createWorld, keyringSkipReason } from './world.ts';

const skip = browserSkipReason() ?? keyringSkipReason();

describe('approver UI: operator-key trust', { skip: skip ?? false }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  test('a first-seen operator key shows its fingerprint, blocks approve, and is trusted only after confirming', async () => {
    const world = await createWorld(browser, { onboarded: true, operatorPinned: false });
    try {
      const { page, agent, teamId } = world;
      const { approval } = await agent.open({ params: { amount: 480, currency: 'EUR', orderId: '7' } });
      await page.locator(`[data-testid=queue-item][data-approval-id="${approval.id}"]`).click();
      await page.getByTestId('detail').waitFor();

      const trust = page.getByTestId('operator-trust');
      assert.equal(await trust.getAttribute('data-trust'), 'first_seen');
      const fingerprint = fingerprintOf(agent.operatorPublicKey);
      assert.equal(await page.getByTestId('operator-fingerprint').textContent(), fingerprint);
      assert.equal(await page.getByTestId('verification').getAttribute('data-ok'), 'false');
      assert.equal(await page.getByTestId('approve-button').isDisabled(), true, 'approve is blocked until trusted');
      await screenshot(page, 'operator-first-seen');

      // Cancelling the confirmation trusts nothing.
      await page.getByTestId('trust-operator-button').click();
      const dialog = page.getByTestId('trust-operator-dialog');
      await dialog.waitFor();
      assert.match((await dialog.textContent()) ?? '', new RegExp(fingerprint));
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      assert.deepEqual(await world.engine.listTrustedOperators(), []);

      await page.getByTestId('trust-operator-button').click();
      await page.getByTestId('confirm-trust-operator').click();
      await page.locator('[data-testid=operator-trust][data-trust="trusted"]').waitFor();
      await page.locator('[data-testid=verification][data-ok="true"]').waitFor();
      const trusted = await world.engine.listTrustedOperators();
      assert.deepEqual(
        trusted.map((t) => [t.fingerprint, t.workflows]),
        [[fingerprint, ['support-agent']]],
      );

      await page.getByTestId('approve-button').click();
      await page.getByTestId('approve-dialog').waitFor();
      await page.getByTestId('confirm-approve').click();
      await page.locator('[data-testid=outcome][data-status="accepted"]').waitFor();
      assert.equal((await agent.client.getApproval(teamId, approval.id)).status, 'approved');
    } finally {
      await world.close();
    }
  });
});
