/**
 * The header always shows the active profile, with a switcher when there are several; in
 * browser mode, tray-only settings are explained instead of offered, Web Notifications are
 * asked for from a click, and a notification for a new approval opens its detail (never
 * approves). The production bundle with a scripted bridge (test/support/stub-app.ts) and a
 * recording `Notification` in place of the browser's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser, expect } from '@playwright/test';
import { makePendingItem } from '../../renderer/dev/fake-items.ts';
import { generateKeyPair } from '../../src/core/crypto.ts';
import { browserSkipReason, launchChromium } from '../support/browser.ts';
import { openStubbedApp, stubData, stubProfile } from '../support/stub-app.ts';
import { refundAction } from './world.ts';

const skip = browserSkipReason();
const operator = generateKeyPair();
const item = (amount: number) =>
  makePendingItem({
    teamId: 'acme',
    operator,
    action: refundAction({ params: { amount, currency: 'EUR', orderId: String(amount) } }),
    ruleId: 'big-refunds',
    expiresInMs: 600_000,
  });

/** A Notification that records what the page shows; the test grants permission through it. */
const RECORDING_NOTIFICATION = `(() => {
  const shown = [];
  class RecordingNotification {
    static permission = 'default';
    static async requestPermission() {
      RecordingNotification.permission = 'granted';
      return 'granted';
    }
    constructor(title, options) {
      this.title = title;
      this.body = options?.body ?? '';
      this.tag = options?.tag ?? '';
      this.onclick = null;
      shown.push(this);
    }
    close() {}
  }
  Object.assign(window, { Notification: RecordingNotification, __shown: shown });
})();`;

describe('approver UI: header profile, browser notifications', { skip: skip ?? false }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  test('the header shows the active profile and switches between profiles', async () => {
    const profiles = [stubProfile('acme'), stubProfile('beta')];
    const app = await openStubbedApp(browser, stubData([item(300)], { profiles }));
    try {
      const { page } = app;
      const header = page.getByTestId('header-profile');
      await expect(header).toHaveAttribute('data-profile', 'acme');
      await page.getByTestId('profile-switcher').selectOption('beta');
      await expect(header).toHaveAttribute('data-profile', 'beta');
      await expect(page.getByTestId('profile-switcher')).toHaveValue('beta');
      assert.ok(
        (await app.calls()).some((c) => c.channel === 'queue:start' && JSON.stringify(c.args) === '{"name":"beta"}'),
      );
    } finally {
      await app.close();
    }
  });

  test('browser mode: tray settings explained, notifications allowed from a click, a click on one opens the detail', async () => {
    const first = item(300);
    const data = stubData([first]);
    const app = await openStubbedApp(browser, data, { initScript: RECORDING_NOTIFICATION });
    try {
      const { page } = app;
      await page.getByTestId('queue-item').first().waitFor();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click();
      await expect(page.getByTestId('tray-note')).toBeVisible();
      assert.equal(await page.getByTestId('setting-launchAtLogin').count(), 0, 'no tray-only toggle in a browser');
      assert.equal(await page.getByTestId('setting-closeToTray').count(), 0);
      await page.getByTestId('allow-notifications').click();
      await expect(page.getByTestId('notification-permission')).toHaveAttribute('data-permission', 'granted');

      const second = item(777);
      await app.emit('queue', { ...data.snapshot, items: [first, second] });
      const shown = () =>
        page.evaluate(() => (window as unknown as { __shown: { tag: string; body: string }[] }).__shown);
      await expect.poll(async () => (await shown()).map((n) => n.tag)).toEqual([second.approval.id]);
      assert.match((await shown())[0]?.body ?? '', /Refund 777 EUR/);
      await page.evaluate(() =>
        (window as unknown as { __shown: { onclick: (() => void) | null }[] }).__shown[0]?.onclick?.(),
      );
      await expect(page.getByTestId('detail')).toHaveAttribute('data-approval-id', second.approval.id);
      assert.ok(!(await app.calls()).some((c) => c.channel === 'approval:decide'), 'a notification never decides');
    } finally {
      await app.close();
    }
  });
});
