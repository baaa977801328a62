/**
 * The approval loop end to end in Debian's Chromium: an agent opens an approval on the real
 * control plane, it shows up in the UI served by the loopback web host from the real engine
 * (keys in the real OS keychain), the approver decides in the browser, and the agent's
 * receipt verifies offline.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser, expect } from '@playwright/test';
import { shortCode } from '../../src/core/crypto.ts';
import { attachCosignature } from '../../src/core/statements.ts';
import { verifyReceipt } from '../../src/core/verify.ts';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.ts';
import { createWorld, keyringSkipReason, tamperingFetch } from './world.ts';

const skip = browserSkipReason() ?? keyringSkipReason();

describe('approver UI: deciding approvals', { skip: skip ?? false }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  test('an agent’s approval appears live; Enter and Escape never approve; approving lets the agent’s receipt verify', async () => {
    const world = await createWorld(browser, { onboarded: true });
    try {
      const { page, agent, teamId } = world;
      await page.getByTestId('queue-empty').waitFor();
      assert.equal(await page.title(), 'HESO Approver');
      await screenshot(page, 'queue-empty');

      const { approval } = await agent.open({ params: { amount: 250, currency: 'EUR', orderId: '99812' } });
      const row = page.locator(`[data-testid=queue-item][data-approval-id="${approval.id}"]`);
      await row.waitFor();
      const code = shortCode(approval.receipt.statement.actionHash);
      assert.equal(await row.getByTestId('short-code').textContent(), code);
      assert.match((await row.textContent()) ?? '', /payments\.refund/);
      assert.match((await row.textContent()) ?? '', /amount: 250 EUR/);
      assert.match((await page.getByTestId('queue-count').textContent()) ?? '', /^1 pending$/);
      await expect(page).toHaveTitle('(1) HESO Approver');
      await screenshot(page, 'queue');

      await row.click();
      const detail = page.getByTestId('detail');
      await detail.waitFor();
      assert.equal(await page.getByTestId('detail-short-code').textContent(), code);
      assert.equal(await page.getByTestId('action-hash').textContent(), approval.receipt.statement.actionHash);
      assert.equal(await page.getByTestId('operator-key-id').textContent(), approval.receipt.statement.operatorKeyId);
      assert.equal(await page.getByTestId('verification').getAttribute('data-ok'), 'true');
      assert.match((await detail.textContent()) ?? '', /big-refunds/);
      assert.match((await detail.textContent()) ?? '', /demo-1/);
      await page.getByText('Raw canonical JSON').click();
      assert.match((await page.getByTestId('canonical-json').textContent()) ?? '', /"amount":250/);
      await screenshot(page, 'detail');

      // Enter on the focused Approve button only opens the confirmation; Enter inside it is swallowed.
      const approveButton = page.getByTestId('approve-button');
      await approveButton.focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByTestId('approve-dialog');
      await dialog.waitFor();
      await page.getByTestId('confirm-approve').focus();
      await page.keyboard.press('Enter');
      await dialog.getByText('Enter does not approve').waitFor();
      await page.keyboard.press('Space');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      // Focus is back on Approve…, so Enter only opens the confirmation again; Escape closes it.
      await expect(approveButton).toBeFocused();
      await page.keyboard.press('Escape');
      await page.keyboard.press('Enter');
      await dialog.waitFor();
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      assert.equal(await page.getByTestId('outcome').count(), 0, 'no decision was shown');
      assert.equal((await agent.client.getApproval(teamId, approval.id)).status, 'pending');

      // The deliberate path: click Approve, then click the confirm button.
      await approveButton.click();
      await dialog.waitFor();
      await screenshot(page, 'approve-dialog');
      await page.getByTestId('confirm-approve').click();
      const outcome = page.getByTestId('outcome');
      await outcome.waitFor();
      assert.equal(await outcome.getAttribute('data-status'), 'accepted');
      await screenshot(page, 'approved');

      const decided = await agent.client.getApproval(teamId, approval.id, { waitSeconds: 5 });
      assert.equal(decided.status, 'approved');
      assert.ok(decided.cosignature, 'the approval carries the co-signature');
      const receipt = attachCosignature(decided.receipt, decided.cosignature);
      const trusted = verifyReceipt(receipt, { approverKeys: [world.profile!.publicKey] });
      assert.equal(trusted.ok, true, JSON.stringify(trusted.reasons));
      assert.equal(trusted.verdict, 'allow');
      const untrusted = verifyReceipt(receipt, { approverKeys: [] });
      assert.equal(untrusted.ok, false, 'a co-signature by an untrusted key never allows');

      // The item left the queue and the audit log records the decision, intact.
      await page.getByRole('button', { name: /^Queue/ }).click();
      await page.getByTestId('queue-empty').waitFor();
      await page.getByRole('button', { name: 'History' }).click();
      await page.locator('[data-testid=history-entry][data-kind=decision]').waitFor();
      assert.equal(await page.getByTestId('history-verification').getAttribute('data-ok'), 'true');
      assert.match((await page.getByTestId('history-table').textContent()) ?? '', /Approved/);
      await screenshot(page, 'history');
      assert.deepEqual(world.tracked.problems, []);
    } finally {
      await world.close();
    }
  });

  test('deny asks for a reason, and the agent sees the denial with it', async () => {
    const world = await createWorld(browser, { onboarded: true });
    try {
      const { page, agent, teamId } = world;
      const { approval } = await agent.open({ params: { amount: 900, currency: 'EUR', orderId: '1' } });
      await page.locator(`[data-testid=queue-item][data-approval-id="${approval.id}"]`).click();
      await page.getByTestId('deny-button').click();
      const dialog = page.getByTestId('deny-dialog');
      await dialog.waitFor();
      await page.getByTestId('confirm-deny').click();
      await dialog.getByText('Enter a reason to deny.').waitFor();
      await page.getByTestId('deny-reason').fill('Order was already refunded on 2026-11-20');
      await screenshot(page, 'deny-dialog');
      await page.getByTestId('confirm-deny').click();
      const outcome = page.getByTestId('outcome');
      await outcome.waitFor();
      assert.equal(await outcome.getAttribute('data-status'), 'accepted');
      assert.match((await outcome.textContent()) ?? '', /Denied/);
      await screenshot(page, 'denied');

      const decided = await agent.client.getApproval(teamId, approval.id, { waitSeconds: 5 });
      assert.equal(decided.status, 'denied');
      assert.equal(decided.cosignature?.statement.reason, 'Order was already refunded on 2026-11-20');
      const result = verifyReceipt(attachCosignature(decided.receipt, decided.cosignature!), {
        approverKeys: [world.profile!.publicKey],
      });
      assert.equal(result.ok, false);
      assert.equal(result.verdict, 'block');
      assert.deepEqual(world.tracked.problems, []);
    } finally {
      await world.close();
    }
  });

  test('Ctrl+Shift+A opens the confirmation and confirms it; a notification click only navigates', async () => {
    const world = await createWorld(browser, { onboarded: true, colorScheme: 'dark' });
    try {
      const { page, agent, teamId } = world;
      const { approval } = await agent.open({
        tool: 'db.export',
        account: 'prod-eu-1',
        summary: 'Export customer table for audit',
        params: {
          table: 'customers',
          format: 'csv',
          destination: { bucket: 's3://audit-exports', region: 'eu-west-1' },
        },
      });
      await page.locator(`[data-testid=queue-item][data-approval-id="${approval.id}"]`).waitFor();
      await screenshot(page, 'queue-dark');

      world.host.send('navigate', { approvalId: approval.id });
      const detail = page.locator(`[data-testid=detail][data-approval-id="${approval.id}"]`);
      await detail.waitFor();
      assert.match((await page.getByTestId('params').textContent()) ?? '', /audit-exports/);
      await screenshot(page, 'detail-dark');
      assert.equal((await agent.client.getApproval(teamId, approval.id)).status, 'pending', 'navigating never decides');

      await page.keyboard.press('Control+Shift+A');
      await page.getByTestId('approve-dialog').waitFor();
      // The confirm control arms itself a moment after the dialog opens; a fresh press then confirms.
      await page.locator('[data-testid=confirm-approve][data-armed=true]').waitFor();
      await page.keyboard.press('Control+Shift+A');
      await page.getByTestId('outcome').waitFor();
      assert.equal(await page.getByTestId('outcome').getAttribute('data-status'), 'accepted');
      assert.equal((await agent.client.getApproval(teamId, approval.id, { waitSeconds: 5 })).status, 'approved');
      assert.deepEqual(world.tracked.problems, []);
    } finally {
      await world.close();
    }
  });

  test('an approval altered on the way to the device is quarantined and cannot be approved', async () => {
    const world = await createWorld(browser, {
      onboarded: true,
      engineFetch: tamperingFetch(
        (action) => action.account === 'acct-tampered',
        (params) => {
          params.amount = 99999;
        },
      ),
    });
    try {
      const { page, agent, teamId } = world;
      const { approval } = await agent.open({
        account: 'acct-tampered',
        params: { amount: 150, currency: 'EUR', orderId: '77' },
      });
      const row = page.locator(`[data-testid=queue-item][data-approval-id="${approval.id}"]`);
      await row.waitFor();
      assert.match((await row.textContent()) ?? '', /cannot be approved/);
      await row.click();
      await page.getByTestId('quarantine').waitFor();
      const reasons = (await page.getByTestId('quarantine-reasons').textContent()) ?? '';
      assert.ok(reasons.length > 0, 'the quarantine lists its reasons');
      assert.match(reasons, /hash/i);
      assert.doesNotMatch(
        (await page.getByTestId('code-help').textContent()) ?? '',
        /same code/,
        'a quarantined item never invites matching its code',
      );
      assert.match(
        (await page.getByTestId('params').textContent()) ?? '',
        /99999/,
        'the tampered value is what arrived',
      );
      const approveButton = page.getByTestId('approve-button');
      assert.equal(await approveButton.isDisabled(), true);
      await page.keyboard.press('Control+Shift+A');
      await page.keyboard.press('Enter');
      assert.equal(await page.getByTestId('approve-dialog').count(), 0, 'no way to the confirmation');
      await screenshot(page, 'quarantined');
      assert.equal((await agent.client.getApproval(teamId, approval.id)).status, 'pending');
      assert.deepEqual(world.tracked.problems, []);
    } finally {
      await world.close();
    }
  });
});
