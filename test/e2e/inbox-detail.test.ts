/**
 * The detail view leads with what will run, end to end on the real engine and control plane:
 * the headline is built from the params, the agent's summary is labelled and flagged when it
 * contradicts them, the rule and its matched conditions come from the policy version the
 * receipt names (and not when the control plane serves another version), the confirmation
 * restates the key values, a quick deny reason reaches the agent in the signed decision, and
 * "Next item" goes on to the next approval.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { type Browser, expect } from '@playwright/test';
import type { AuditEntryView } from '../../src/approver/api.ts';
import { shortCode } from '../../src/core/crypto.ts';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.ts';
import { DEMO_POLICY } from '../support/cloud.ts';
import { createWorld, keyringSkipReason, openDetail } from './world.ts';

const skip = browserSkipReason() ?? keyringSkipReason();

describe('approver UI: the detail leads with what will run', { skip: skip ?? false }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  test('headline from params, flagged summary, matched rule, restated values, quick deny reason, next item', async () => {
    const world = await createWorld(browser, { onboarded: true });
    try {
      const { page, agent, teamId } = world;
      const lying = await agent.open({
        summary: 'Refund 25 EUR for order #99812',
        params: { amount: 2500, currency: 'EUR', orderId: '99812' },
      });
      const second = await agent.open({ params: { amount: 300, currency: 'EUR', orderId: '1234' } }, 900);
      await page.locator(`[data-testid=queue-item][data-approval-id="${second.approval.id}"]`).waitFor();
      const firstRow = page.locator(`[data-testid=queue-item][data-approval-id="${lying.approval.id}"]`);
      await expect(firstRow.getByTestId('queue-headline')).toHaveText(
        'Refund 2,500 EUR · account cust_4821 · order 99812',
      );

      await openDetail(page, lying.approval.id);
      await expect(page.getByTestId('detail-headline')).toHaveText(
        'Refund 2,500 EUR · account cust_4821 · order 99812',
      );
      await expect(page.getByTestId('detail-headline')).toBeFocused();
      const summary = page.getByTestId('agent-summary');
      await expect(summary.getByRole('heading')).toHaveText('What the agent says');
      await expect(summary.getByTestId('summary-flags')).toContainText(
        'The summary says 25 EUR, but the parameters say amount = 2,500.',
      );
      // Why: the rule's description and its condition, checked here against the signed params.
      await expect(page.getByTestId('rule-description')).toHaveText('Refunds above 100 need a human');
      const condition = page.getByTestId('rule-condition');
      await expect(condition).toHaveText('amount > 100 holds with amount = 2500');
      await expect(condition).toHaveAttribute('data-holds', 'true');
      await expect(page.getByTestId('who')).toContainText('support-agent');
      // The decision controls come after the parameters.
      const order = await page.evaluate(() => {
        const params = document.querySelector('[data-testid=params]');
        const panel = document.querySelector('[data-testid=decision-panel]');
        return params && panel ? params.compareDocumentPosition(panel) & Node.DOCUMENT_POSITION_FOLLOWING : 0;
      });
      assert.ok(order, 'the decision panel follows the parameters');
      await screenshot(page, 'detail-flagged-summary');

      await page.getByTestId('approve-button').click();
      const keyValues = page.getByTestId('confirm-key-values');
      await expect(keyValues).toContainText('Amount2,500 EUR');
      await expect(keyValues).toContainText('Accountcust_4821');
      await page.getByRole('button', { name: 'Cancel' }).click();
      await expect(page.getByTestId('approve-button')).toBeFocused();

      await page.getByTestId('deny-button').click();
      await page.getByTestId('quick-reason').filter({ hasText: 'Wrong amount' }).click();
      await expect(page.getByTestId('deny-reason')).toHaveValue('Wrong amount');
      await page.getByTestId('confirm-deny').click();
      await expect(page.getByTestId('outcome')).toHaveAttribute('data-status', 'accepted');
      const decided = await agent.client.getApproval(teamId, lying.approval.id);
      assert.equal(decided.status, 'denied');
      assert.equal(decided.cosignature?.statement.reason, 'Wrong amount', 'the agent gets the reason, signed');

      const next = page.getByTestId('next-item');
      await expect(next).toBeFocused();
      await next.click();
      await expect(page.getByTestId('detail')).toHaveAttribute('data-approval-id', second.approval.id);

      // History says what was decided, and exports the log as JSON Lines for auditors.
      await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'History' }).click();
      const row = page.locator('[data-testid=history-entry][data-kind=decision]').first();
      await expect(row.getByTestId('history-action')).toContainText('Refund 2,500 EUR · account cust_4821');
      await expect(row.getByTestId('history-reason')).toHaveText('Wrong amount');
      await expect(row).toContainText(shortCode(lying.approval.receipt.statement.actionHash));
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('history-export').click()]);
      assert.match(download.suggestedFilename(), /^heso-audit-e2e-\d{4}-\d{2}-\d{2}\.jsonl$/);
      const lines = readFileSync((await download.path()) ?? '', 'utf8')
        .trim()
        .split('\n');
      const entries = lines.map((line) => JSON.parse(line) as AuditEntryView);
      assert.deepEqual(
        entries.map((e) => e.kind),
        ['enrol', 'decision'],
      );
      assert.equal(entries[1]?.decided?.reason, 'Wrong amount');
      assert.equal(entries[1]?.decided?.action?.params.amount, 2500);
      assert.deepEqual(world.tracked.problems, []);
    } finally {
      await world.close();
    }
  });

  test('another policy version on the control plane: the rule text is not shown as if it were the one signed', async () => {
    const world = await createWorld(browser, { onboarded: true });
    try {
      const { page, agent, teamId, cloud } = world;
      const { approval } = await agent.open({ params: { amount: 250, currency: 'EUR', orderId: '1' } });
      await cloud.admin.setPolicy(teamId, {
        ...DEMO_POLICY,
        version: 'demo-2',
        rules: DEMO_POLICY.rules.map((r) => (r.id === 'big-refunds' ? { ...r, description: 'Anything goes' } : r)),
      });
      await page.locator(`[data-testid=queue-item][data-approval-id="${approval.id}"]`).waitFor();
      await openDetail(page, approval.id);
      await expect(page.getByTestId('rule-problem')).toContainText('current policy is version demo-2, not demo-1');
      assert.equal(await page.getByTestId('rule-description').count(), 0);
    } finally {
      await world.close();
    }
  });
});
