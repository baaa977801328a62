/**
 * First run in the browser against the real control plane and keychain: create the key,
 * compare the fingerprint with what the admin sees, get activated; then settings, and the
 * banners that tell the approver when the queue they see cannot be trusted to be current.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, expect } from '@playwright/test';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.ts';
import { createWorld, keyringSkipReason } from './world.ts';

const skip = browserSkipReason() ?? keyringSkipReason();

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('approver UI: onboarding, settings and connection banners', { skip: skip ?? false }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  test('onboarding creates the key, shows the fingerprint the admin sees, and follows activation', async () => {
    const world = await createWorld(browser);
    try {
      const { page, cloud, teamId, apiKey } = world;
      await page.getByTestId('onboarding-submit').waitFor();
      await screenshot(page, 'onboarding-form');

      // Bad input is caught field by field before anything is sent.
      await page.getByTestId('onboarding-endpoint').fill('not a url');
      await page.getByTestId('onboarding-submit').click();
      await page.getByTestId('onboarding-error').waitFor();
      assert.equal(await page.getByTestId('onboarding-endpoint').getAttribute('aria-invalid'), 'true');
      assert.equal(await page.getByTestId('onboarding-displayName').getAttribute('aria-invalid'), 'true');
      // Plain words, at the field, and focus on the first field to fix.
      await expect(page.getByTestId('onboarding-endpoint')).toBeFocused();
      await expect(page.locator('#endpoint-help')).toHaveText(/is not a URL; use e.g. https:/);
      await expect(page.locator('#teamId-help')).toHaveText('Enter your team id, as your admin spelled it.');
      assert.doesNotMatch((await page.getByTestId('onboarding').textContent()) ?? '', /expected|>=/);
      assert.equal((await cloud.admin.listApprovers(teamId)).length, 0);

      await page.getByLabel('Control plane URL').fill(cloud.url);
      await page.getByLabel('Team id').fill(teamId);
      await page.getByLabel('Team API key').fill(apiKey);
      assert.equal(await page.getByLabel('Team API key').getAttribute('type'), 'password');
      await page.getByLabel('Your name').fill('Dana Reviewer');
      await page.getByTestId('onboarding-submit').click();

      await page.getByTestId('onboarding-key').waitFor();
      const [record] = await cloud.admin.listApprovers(teamId);
      assert.ok(record, 'the key was enrolled with the control plane');
      assert.equal(record.status, 'pending');
      assert.equal(record.name, 'Dana Reviewer');
      const shown = await page.getByTestId('fingerprint').getAttribute('data-fingerprint');
      assert.equal(shown, record.fingerprint, 'the app shows exactly the fingerprint the admin compares');
      assert.match((await page.getByTestId('key-status').textContent()) ?? '', /Pending/);
      await screenshot(page, 'onboarding-fingerprint');

      // The API key went to the keychain: not on the page, not in any file the engine wrote.
      assert.equal((await page.content()).includes(apiKey), false);
      for (const file of filesUnder(world.configDir)) {
        assert.equal(readFileSync(file, 'utf8').includes(apiKey), false, `${file} must not hold the API key`);
      }

      // Nothing makes the approver attest to a comparison; the status follows activation by itself.
      assert.equal(await page.getByTestId('fingerprint-compared').count(), 0);
      await cloud.admin.activateApprover(teamId, record.keyId);
      await expect(page.getByTestId('key-progress')).toContainText('activated this key', { timeout: 15_000 });
      assert.match((await page.getByTestId('key-status').textContent()) ?? '', /Active/);
      await screenshot(page, 'onboarding-active');
      await page.getByTestId('onboarding-continue').click();
      await page.getByTestId('queue-empty').waitFor();
      assert.deepEqual(world.tracked.problems, []);
    } finally {
      await world.close();
    }
  });

  test('settings show the profile and keep preferences', async () => {
    const world = await createWorld(browser, { onboarded: true });
    try {
      const { page } = world;
      await page.getByRole('button', { name: 'Settings' }).click();
      const card = page.locator('[data-testid=profile-card][data-profile=e2e]');
      await card.waitFor();
      assert.equal(await card.getByTestId('fingerprint').getAttribute('data-fingerprint'), world.profile!.fingerprint);
      const notifications = page.getByTestId('setting-notifications');
      const before = await notifications.isChecked();
      await notifications.click();
      await page.waitForFunction(
        ([want]) =>
          (document.querySelector('[data-testid=setting-notifications]') as HTMLInputElement)?.checked === want,
        [!before],
      );
      await screenshot(page, 'settings');
      await page.reload();
      await page.getByRole('button', { name: 'Settings' }).click();
      await page.getByTestId('setting-notifications').waitFor();
      assert.equal(await page.getByTestId('setting-notifications').isChecked(), !before, 'the preference was saved');
      assert.deepEqual(world.tracked.problems, []);
    } finally {
      await world.close();
    }
  });

  test('a revoked API key shows "API key rejected"; an unreachable control plane shows reconnecting', async () => {
    const world = await createWorld(browser, { onboarded: true });
    try {
      const { page, cloud, apiKey } = world;
      await page.getByTestId('queue-empty').waitFor();
      await cloud.admin.revokeApiKey(apiKey);
      await page.locator('[data-testid=connection-banner][data-kind=auth_failed]').waitFor();
      assert.match((await page.getByTestId('connection-banner').textContent()) ?? '', /API key rejected/);
      await screenshot(page, 'banner-api-key-rejected');
    } finally {
      await world.close();
    }

    const offline = await createWorld(browser, { onboarded: true });
    try {
      const { page, cloud } = offline;
      await page.getByTestId('queue-empty').waitFor();
      await cloud.stop();
      await page.locator('[data-testid=connection-banner][data-kind=reconnecting]').waitFor();
      assert.match((await page.getByTestId('connection-banner').textContent()) ?? '', /reconnecting/i);
      await screenshot(page, 'banner-offline');
    } finally {
      await offline.close();
    }
  });
});
