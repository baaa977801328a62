/**
 * Decisions that cannot be delivered yet, and rules that ask for the code to be typed, in
 * Debian's Chromium against the real engine and a real control plane. Offline, the app says
 * "signed, waiting to send" (never an endless "Signing…") and a withdrawal really stops the
 * decision; back online, a waiting decision is delivered and the app shows the outcome.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from '@playwright/test';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.ts';
import { approveInDialog, createWorld, keyringSkipReason, openDetail } from './world.ts';

const skip = browserSkipReason() ?? keyringSkipReason();

/** The engine's fetch, with decision submissions failing as if the network were down while `offline.on`. */
function flakyDecisions(offline: { on: boolean; attempts: number }) {
  return (realFetch: typeof fetch): typeof fetch =>
    async (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (offline.on && url.endsWith('/decision')) {
        offline.attempts += 1;
        throw new TypeError('fetch failed (test: network down)');
      }
      return realFetch(input, init);
    };
}

describe('approver UI: offline decisions and typed codes', { skip: skip ?? false }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  test('offline: "signed, waiting to send"; withdraw stops it; back online a decision is delivered', async () => {
    const offline = { on: true, attempts: 0 };
    const world = await createWorld(browser, { onboarded: true, engineFetch: flakyDecisions(offline) });
    try {
      const { page, agent, teamId } = world;
      const { approval } = await agent.open({ params: { amount: 560, currency: 'EUR', orderId: 'offline' } });
      await openDetail(page, approval.id);
      await approveInDialog(page);

      const queued = page.getByTestId('queued');
      await queued.waitFor();
      assert.match((await queued.textContent()) ?? '', /Signed, waiting to send/);
      assert.equal(await page.getByTestId('approve-dialog').count(), 0, 'no endless "Signing…" dialog');
      await screenshot(page, 'decision-queued');

      await page.getByTestId('withdraw-button').click();
      const notice = page.getByTestId('decision-notice');
      await notice.waitFor();
      assert.match((await notice.textContent()) ?? '', /Withdrawn/);
      // Back online: a withdrawn decision is never sent.
      const attemptsAtWithdraw = offline.attempts;
      offline.on = false;
      assert.equal((await agent.client.getApproval(teamId, approval.id)).status, 'pending');
      assert.equal(offline.attempts, attemptsAtWithdraw, 'no attempt after the withdrawal');
      assert.equal(await page.getByTestId('approve-button').isDisabled(), false, 'the person can decide again');

      // A decision that waits is delivered once the network is back, and the app shows it.
      offline.on = true;
      await approveInDialog(page);
      await page.getByTestId('queued').waitFor();
      offline.on = false;
      const outcome = page.getByTestId('outcome');
      await outcome.waitFor({ timeout: 30_000 });
      assert.equal(await outcome.getAttribute('data-status'), 'accepted');
      assert.equal((await agent.client.getApproval(teamId, approval.id)).status, 'approved');
      assert.deepEqual(world.tracked.problems, []);
    } finally {
      await world.close();
    }
  });

  test('a rule that asks for the typed code: approve waits for the code', async () => {
    const world = await createWorld(browser, { onboarded: true });
    try {
      const { page, agent, teamId } = world;
      const { approval } = await agent.open(
        { tool: 'deploy.production', account: 'prod-eu-1', params: { service: 'billing', version: '4.2.0' } },
        600,
        { confirm: 'typed-code' },
      );
      await openDetail(page, approval.id);
      await page.getByTestId('approve-button').click();
      const confirm = page.locator('[data-testid=confirm-approve][data-armed=true]');
      await confirm.waitFor();
      const code = (await page.getByTestId('confirm-short-code').textContent()) ?? '';
      assert.equal(await confirm.getAttribute('aria-disabled'), 'true', 'not ready without the code');
      await confirm.click({ force: true });
      await page.getByTestId('approve-hint').getByText('Type the confirmation code').waitFor();
      assert.equal((await agent.client.getApproval(teamId, approval.id)).status, 'pending');

      await page.getByTestId('typed-code').fill('WRONG-0000');
      assert.equal(await confirm.getAttribute('aria-disabled'), 'true', 'a wrong code does not confirm');
      await confirm.click({ force: true });
      assert.equal(await page.getByTestId('outcome').count(), 0);
      await page.getByTestId('typed-code').fill(code.toLowerCase());
      await screenshot(page, 'typed-code');
      await confirm.click();
      await page.getByTestId('outcome').waitFor();
      assert.equal(await page.getByTestId('outcome').getAttribute('data-status'), 'accepted');
      assert.deepEqual(world.tracked.problems, []);
    } finally {
      await world.close();
    }
  });
});
