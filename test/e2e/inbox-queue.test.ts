/**
 * The approver's inbox at 1,000 items in Debian's Chromium: the production renderer bundle
 * with a scripted bridge (test/support/stub-app.ts). The list is virtualised (the DOM stays
 * bounded by what is visible), the header stays visible with the count and connection state,
 * sort/filter/search and the keyboard work, Back restores scroll and focus, and no key
 * approves from the list. Behaviour only: no timing assertions (see `npm run bench:render`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser, expect } from '@playwright/test';
import { bulkAction, makePendingItem } from '../../renderer/dev/fake-items.ts';
import type { PendingItem } from '../../src/approver/api.ts';
import { generateKeyPair } from '../../src/core/crypto.ts';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.ts';
import { openStubbedApp, renderedRows, stubData } from '../support/stub-app.ts';

const skip = browserSkipReason();
const operator = generateKeyPair();
const now = Date.now();

function bulkItems(count: number): PendingItem[] {
  return Array.from({ length: count }, (_, i) =>
    makePendingItem({
      teamId: 'acme',
      operator,
      action: bulkAction(i, now),
      ruleId: 'big-refunds',
      id: `apr_${String(i).padStart(5, '0')}`,
      createdAgoMs: (count - i) * 1000,
      // Expiry order differs from creation order, so the sorts are distinguishable.
      expiresInMs: 120_000 + ((i * 7919) % 3600) * 1000,
      now,
    }),
  );
}

const ITEMS = bulkItems(1000);
const byExpiry = [...ITEMS].sort((a, b) => Date.parse(a.approval.expiresAt) - Date.parse(b.approval.expiresAt));

describe('approver UI: the inbox at 1,000 items', { skip: skip ?? false }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  test('virtualised: the DOM is bounded by what is visible, the header stays, rows read from the params', async () => {
    const app = await openStubbedApp(browser, stubData(ITEMS), { viewport: { width: 1280, height: 800 } });
    try {
      const { page } = app;
      await expect(page.getByTestId('queue-total')).toHaveText('1000 pending');
      await expect(page.getByTestId('queue-connection')).toHaveText('Live');
      const rows = await renderedRows(page).count();
      assert.ok(rows >= 10, `at least 10 rows visible at 1280×800 (got ${rows})`);
      assert.ok(rows <= 40, `only what is visible (plus overscan) is rendered, got ${rows}`);
      const listNodes = await page.getByTestId('queue-list').evaluate((el) => el.querySelectorAll('*').length);
      assert.ok(listNodes < 40 * 30, `the list holds ${listNodes} elements for 1,000 items`);
      // Sorted by expiry by default; the main line is built from the params, the summary is secondary.
      const first = renderedRows(page).first();
      assert.equal(await first.getAttribute('data-approval-id'), byExpiry[0]?.approval.id);
      await expect(page.getByTestId('queue-headline').first()).not.toContainText('as the agent describes it');
      // A row's accessible name never carries the ticking countdown.
      await expect(first).not.toHaveAccessibleName(/expires in|ago/);
      await screenshot(page, 'inbox-1000');

      await page.mouse.wheel(0, 20_000);
      await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(10_000);
      const head = await page.getByTestId('queue-head').boundingBox();
      assert.ok(head && head.y >= 0 && head.y < 5, `the header stays at the top while scrolling (y=${head?.y})`);
      assert.ok((await renderedRows(page).count()) <= 40, 'scrolling keeps the DOM bounded');
      assert.deepEqual(app.problems, []);
    } finally {
      await app.close();
    }
  });

  test('sort, filter and search; keyboard moves and opens; no key approves; Back restores scroll and focus', async () => {
    const app = await openStubbedApp(browser, stubData(ITEMS), { viewport: { width: 1280, height: 800 } });
    try {
      const { page } = app;
      await expect(page.getByTestId('queue-total')).toHaveText('1000 pending');

      await page.getByTestId('queue-sort').selectOption('newest');
      assert.equal(await renderedRows(page).first().getAttribute('data-approval-id'), 'apr_00999');
      await page.getByTestId('queue-sort').selectOption('expiry');

      await page.getByTestId('queue-filter-tool').selectOption('email.send');
      await expect(page.getByTestId('queue-total')).toHaveText('167 of 1000 pending');
      await page.getByTestId('queue-filter-tool').selectOption('');
      const code = ITEMS[500]?.shortCode ?? '';
      await page.getByTestId('queue-search').fill(code.toLowerCase().replace(/-/g, ' '));
      await expect(page.getByTestId('queue-total')).toHaveText('1 of 1000 pending');
      assert.equal(await renderedRows(page).first().getAttribute('data-approval-id'), 'apr_00500');
      await page.getByTestId('queue-search').fill('cust-1006 refund');
      await expect(renderedRows(page).first()).toContainText('cust-1006');
      await page.getByTestId('queue-search').fill('');

      // j/k and arrows move focus; End reaches the 1,000th row, rendered on demand.
      await renderedRows(page).first().focus();
      await page.keyboard.press('j');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('k');
      const focusedId = () => page.evaluate(() => document.activeElement?.getAttribute('data-approval-id') ?? null);
      assert.equal(await focusedId(), byExpiry[1]?.approval.id);
      await page.keyboard.press('End');
      await expect.poll(focusedId).toBe(byExpiry[999]?.approval.id);
      await page.keyboard.press('Home');
      await expect.poll(focusedId).toBe(byExpiry[0]?.approval.id);
      for (let i = 0; i < 25; i++) await page.keyboard.press('j');
      await expect.poll(focusedId).toBe(byExpiry[25]?.approval.id);

      // Nothing on the list approves: not the approve shortcut, not Space, not "a".
      await page.keyboard.press('Control+Shift+A');
      await page.keyboard.press('a');
      assert.equal(await page.getByTestId('approve-dialog').count(), 0);

      const scrolled = await page.evaluate(() => window.scrollY);
      assert.ok(scrolled > 0, 'moving down scrolled the list');
      await page.keyboard.press('Enter');
      const detail = page.getByTestId('detail');
      await expect(detail).toHaveAttribute('data-approval-id', byExpiry[25]?.approval.id ?? '');
      await expect(page.getByTestId('detail-headline')).toBeFocused();
      assert.equal(await page.evaluate(() => window.scrollY), 0, 'the detail opens at its top');

      await page.getByRole('button', { name: '← Back to queue' }).click();
      await expect.poll(focusedId).toBe(byExpiry[25]?.approval.id);
      assert.equal(await page.evaluate(() => window.scrollY), scrolled, 'the scroll position is back');
      assert.ok(!(await app.calls()).some((c) => c.channel === 'approval:decide'), 'nothing was decided');
      assert.deepEqual(app.problems, []);
    } finally {
      await app.close();
    }
  });
});
