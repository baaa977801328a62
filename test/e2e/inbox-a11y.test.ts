/**
 * Accessibility of every screen, in both themes: axe-core (via @axe-core/playwright) finds no
 * serious or critical violation (contrast included) on the queue, a detail, the approve and
 * deny dialogs, history, the verifier, settings and onboarding. Focus moves to each new
 * screen's heading on navigation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, expect, type Page } from '@playwright/test';
import { makePendingItem } from '../../renderer/dev/fake-items.ts';
import { generateKeyPair } from '../../src/core/crypto.ts';
import { browserSkipReason, launchChromium } from '../support/browser.ts';
import { openStubbedApp, stubData } from '../support/stub-app.ts';
import { refundAction } from './world.ts';

const skip = browserSkipReason();
const operator = generateKeyPair();

async function seriousViolations(page: Page, screen: string): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${screen}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('approver UI: accessibility of every screen in both themes', { skip: skip ?? false }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    test(`${colorScheme} theme: no serious or critical axe violations; focus lands on each screen's heading`, async () => {
      const items = [
        makePendingItem({
          teamId: 'acme',
          operator,
          action: refundAction(),
          ruleId: 'big-refunds',
          expiresInMs: 600_000,
        }),
        makePendingItem({
          teamId: 'acme',
          operator,
          action: refundAction({ tool: 'db.delete', params: { table: 'orders', rows: 5000 } }),
          ruleId: null,
          expiresInMs: 60_000,
          tamper: true,
        }),
      ];
      const app = await openStubbedApp(browser, stubData(items), { colorScheme });
      const { page } = app;
      const found: string[] = [];
      try {
        await page.getByTestId('queue-item').first().waitFor();
        found.push(...(await seriousViolations(page, 'queue')));

        await page.locator(`[data-testid=queue-item][data-approval-id="${items[0]?.approval.id}"]`).click();
        await page.locator('[data-testid=decision-panel][data-settled=true]').waitFor();
        await expect(page.locator('#main h1')).toBeFocused();
        found.push(...(await seriousViolations(page, 'detail')));
        await page.getByTestId('approve-button').click();
        await page.locator('[data-testid=confirm-approve][data-armed=true]').waitFor();
        found.push(...(await seriousViolations(page, 'approve dialog')));
        await page.keyboard.press('Escape');
        await page.getByTestId('deny-button').click();
        found.push(...(await seriousViolations(page, 'deny dialog')));
        await page.keyboard.press('Escape');

        for (const [nav, screen] of [
          ['History', 'history'],
          ['Verify receipt', 'verifier'],
          ['Settings', 'settings'],
        ] as const) {
          await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: nav }).click();
          await expect(page.locator('#main h1')).toBeFocused();
          found.push(...(await seriousViolations(page, screen)));
        }
      } finally {
        await app.close();
      }
      const onboarding = await openStubbedApp(browser, stubData([], { profiles: [] }), { colorScheme });
      try {
        await onboarding.page.locator('#main h1').first().waitFor();
        found.push(...(await seriousViolations(onboarding.page, 'onboarding')));
      } finally {
        await onboarding.close();
      }
      assert.deepEqual(found, []);
    });
  }
});
