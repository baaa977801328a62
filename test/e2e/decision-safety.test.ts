/**
 * Approving only on purpose, only what was reviewed, only while it is true (issue 9, the app's
 * decision path), in Debian's Chromium against the real engine, the real keychain and a real
 * control plane: held shortcuts, double-clicks and hurried clicks never approve; a dialog whose
 * item expires or is swapped by a hostile control plane closes without signing; a pending key
 * cannot start an approval and the app notices its activation by itself; offline, a signed
 * decision says "signed, waiting to send" and can be withdrawn.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from '@playwright/test';
import type { Approval } from '../../src/core/api.ts';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.ts';
import { createWorld, keyringSkipReason, openDetail, type World } from './world.ts';

const skip = browserSkipReason() ?? keyringSkipReason();

async function status(world: World, approvalId: string): Promise<Approval['status']> {
  return (await world.agent.client.getApproval(world.teamId, approvalId)).status;
}

describe('approver UI: deliberate, faithful decisions', { skip: skip ?? false }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  test('a held Ctrl+Shift+A (key repeats) never confirms; a fresh press after release does', async () => {
    const world = await createWorld(browser, { onboarded: true });
    try {
      const { page, agent } = world;
      const { approval } = await agent.open({ params: { amount: 700, currency: 'EUR', orderId: 'held' } });
      await openDetail(page, approval.id);

      await page.keyboard.down('Control');
      await page.keyboard.down('Shift');
      await page.keyboard.down('A');
      const dialog = page.getByTestId('approve-dialog');
      await dialog.waitFor();
      // Held down: the key repeats, before and after the confirm control arms itself.
      for (let i = 0; i < 10; i++) await page.keyboard.down('A');
      await page.locator('[data-testid=confirm-approve][data-armed=true]').waitFor();
      for (let i = 0; i < 10; i++) await page.keyboard.down('A');
      assert.equal(await dialog.isVisible(), true, 'the dialog is still open');
      assert.equal(await page.getByTestId('outcome').count(), 0);
      assert.equal(await status(world, approval.id), 'pending', 'nothing was signed by a held key');
      await dialog.getByText('Release the keys').waitFor();

      // Release, press again: a deliberate confirmation.
      await page.keyboard.up('A');
      await page.keyboard.down('A');
      await page.keyboard.up('A');
      await page.keyboard.up('Shift');
      await page.keyboard.up('Control');
      await page.getByTestId('outcome').waitFor();
      assert.equal(await page.getByTestId('outcome').getAttribute('data-status'), 'accepted');
      assert.equal(await page.getByTestId('expiry').textContent(), 'decided', 'the countdown stopped');
      assert.deepEqual(world.tracked.problems, []);
    } finally {
      await world.close();
    }
  });

  test('a double-click on a queue row opens the detail only, never a dialog', async () => {
    const world = await createWorld(browser, { onboarded: true });
    try {
      const { page, agent } = world;
      // A queue long enough that a row lies under the spot where the detail view shows "Approve…".
      const opened = [];
      for (let i = 0; i < 8; i++) {
        opened.push((await agent.open({ params: { amount: 820 + i, currency: 'EUR', orderId: `dbl-${i}` } })).approval);
      }
      const first = opened[0]!;
      await page.locator(`[data-testid=queue-item][data-approval-id="${opened.at(-1)!.id}"]`).waitFor();
      await openDetail(page, first.id);
      const target = await page.getByTestId('approve-button').boundingBox();
      assert.ok(target);
      await page.getByRole('button', { name: /Back to queue/ }).click();
      await page.getByTestId('queue-item').first().waitFor();

      // A hurried double-click on whichever row lies there: the second click lands where "Approve…" appears.
      // (The decision controls now follow the parameters, below the first screen of a detail: then the
      // double-click goes to the first row, and must still open the detail only.)
      const onScreen = target.y + target.height < (page.viewportSize()?.height ?? 0);
      const firstRow = await page.getByTestId('queue-item').first().boundingBox();
      assert.ok(firstRow);
      const spot = onScreen ? target : firstRow;
      await page.mouse.dblclick(spot.x + spot.width / 2, spot.y + spot.height / 2);
      await page.getByTestId('detail').waitFor();
      await page.locator('[data-testid=decision-panel][data-settled=true]').waitFor();
      const approvalId = (await page.getByTestId('detail').getAttribute('data-approval-id')) ?? '';
      assert.ok(
        opened.some((a) => a.id === approvalId),
        'the double-click opened a row',
      );
      assert.equal(await page.getByTestId('approve-dialog').count(), 0, 'no approve dialog');
      assert.equal(await page.getByTestId('deny-dialog').count(), 0, 'no deny dialog');
      assert.equal(await status(world, approvalId), 'pending');
      assert.deepEqual(world.tracked.problems, []);
    } finally {
      await world.close();
    }
  });

  test('the confirm button ignores a click within its arming delay and is not where "Approve…" was', async () => {
    const world = await createWorld(browser, { onboarded: true });
    try {
      const { page, agent } = world;
      const { approval } = await agent.open({ params: { amount: 910, currency: 'EUR', orderId: 'quick' } });
      await openDetail(page, approval.id);
      const approveBox = await page.getByTestId('approve-button').boundingBox();

      // Open the dialog and click confirm in the same burst of page work: before the arming timer can fire.
      // A string, not a function: the test's TypeScript transform would add helpers the page does not have.
      const clickedUnarmed = await page.evaluate(`(async () => {
        const click = (el) => {
          el.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true, isPrimary: true }));
          el.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, detail: 1 }));
        };
        const approve = document.querySelector('[data-testid=approve-button]');
        if (!approve) return 'no approve button';
        click(approve);
        for (let i = 0; i < 1000; i++) {
          const confirm = document.querySelector('[data-testid=confirm-approve]');
          if (confirm) {
            if (confirm.getAttribute('data-armed') !== 'false') return 'already armed';
            click(confirm);
            return 'clicked';
          }
          await Promise.resolve();
        }
        return 'no dialog';
      })()`);
      assert.equal(clickedUnarmed, 'clicked');
      const dialog = page.getByTestId('approve-dialog');
      await dialog.getByText('Not yet: the button arms itself').waitFor();
      assert.equal(await page.getByTestId('outcome').count(), 0);
      assert.equal(await status(world, approval.id), 'pending', 'the early click signed nothing');

      const confirm = page.locator('[data-testid=confirm-approve][data-armed=true]');
      await confirm.waitFor();
      const confirmBox = await confirm.boundingBox();
      assert.ok(approveBox && confirmBox);
      const overlaps =
        confirmBox.x < approveBox.x + approveBox.width &&
        approveBox.x < confirmBox.x + confirmBox.width &&
        confirmBox.y < approveBox.y + approveBox.height &&
        approveBox.y < confirmBox.y + confirmBox.height;
      assert.equal(overlaps, false, 'the confirm button is not under the pointer that clicked "Approve…"');
      await screenshot(page, 'approve-dialog-armed');
      await confirm.click();
      await page.getByTestId('outcome').waitFor();
      assert.equal(await page.getByTestId('outcome').getAttribute('data-status'), 'accepted');
      assert.deepEqual(world.tracked.problems, []);
    } finally {
      await world.close();
    }
  });

  test('expiry closes the open dialog, disables approve and never says the expiry checks out', async () => {
    const world = await createWorld(browser, { onboarded: true });
    try {
      const { page, agent } = world;
      const { approval } = await agent.open({ params: { amount: 1200, currency: 'EUR', orderId: 'late' } }, 10);
      await openDetail(page, approval.id);
      await page.getByTestId('approve-button').click();
      const dialog = page.getByTestId('approve-dialog');
      await dialog.waitFor();
      await dialog.waitFor({ state: 'detached', timeout: 20_000 });
      const notice = (await page.getByTestId('decision-notice').textContent()) ?? '';
      assert.match(notice, /expired|left your queue/);
      assert.match(notice, /nothing was signed/);
      assert.equal(await page.getByTestId('approve-button').isDisabled(), true);
      // The dialog may close on the engine's expiry a tick before the page's own clock passes it.
      await page.locator('[data-testid=expiry]', { hasText: /^expired$/ }).waitFor();
      assert.doesNotMatch((await page.getByTestId('verification').textContent()) ?? '', /check out/);
      await screenshot(page, 'expired-while-open');
      assert.notEqual(await status(world, approval.id), 'approved');
      assert.deepEqual(world.tracked.problems, []);
    } finally {
      await world.close();
    }
  });

  test('a key pending activation cannot start an approval, says why, and the app notices activation by itself', async () => {
    const world = await createWorld(browser, { onboarded: 'pending' });
    try {
      const { page, agent, cloud, teamId } = world;
      const profile = world.profile!;
      assert.equal(profile.keyStatus, 'pending');
      const { approval } = await agent.open({ params: { amount: 640, currency: 'EUR', orderId: 'pending' } });
      await openDetail(page, approval.id);
      const approve = page.getByTestId('approve-button');
      assert.equal(await approve.isDisabled(), true);
      assert.equal(await page.getByTestId('deny-button').isDisabled(), true);
      const why = (await page.getByTestId('approve-blocked').textContent()) ?? '';
      assert.match(why, /pending activation/);
      assert.ok(why.includes(profile.fingerprint), 'names the fingerprint to compare');
      await page.keyboard.press('Control+Shift+A');
      assert.equal(await page.getByTestId('approve-dialog').count(), 0, 'the shortcut opens nothing');
      await screenshot(page, 'pending-key');

      // The admin activates the key out of band; nobody touches the app.
      await cloud.admin.activateApprover(teamId, profile.keyId);
      await page.locator('[data-testid=approve-button]:not([disabled])').waitFor({ timeout: 20_000 });
      assert.equal(await page.getByTestId('approve-blocked').count(), 0);
      assert.equal(await status(world, approval.id), 'pending');
      assert.deepEqual(world.tracked.problems, []);
    } finally {
      await world.close();
    }
  });

  test('a hostile control plane swapping the receipt under the open dialog closes it; nothing is signed', async () => {
    const world = await createWorld(browser, { onboarded: true, hostile: true });
    try {
      const { page, agent, proxy } = world;
      assert.ok(proxy);
      const { approval } = await agent.open({ params: { amount: 300, currency: 'EUR', orderId: 'honest' } });
      // Validly signed by the same operator key, for another action: what the control plane swaps in.
      const swapped = agent.sign({ params: { amount: 299_000, currency: 'EUR', orderId: 'swapped' } });
      await openDetail(page, approval.id);
      await page.getByTestId('approve-button').click();
      const dialog = page.getByTestId('approve-dialog');
      await dialog.waitFor();
      const shownHash = await page.getByTestId('confirm-action-hash').textContent();
      assert.equal(shownHash, approval.receipt.statement.actionHash);

      const swap = (a: Approval): Approval => (a.id === approval.id ? { ...a, receipt: swapped } : a);
      proxy.rewrite((req, res) => {
        if (req.method !== 'GET' || res.status !== 200 || typeof res.body !== 'object' || res.body === null) return res;
        const body = res.body as { approvals?: Approval[]; changes?: Approval[] } & Partial<Approval>;
        if (Array.isArray(body.approvals)) return { ...res, body: { ...body, approvals: body.approvals.map(swap) } };
        // The engine follows the changes feed: a hostile server announces the swap there too.
        if (Array.isArray(body.changes)) {
          const others = body.changes.filter((a) => a.id !== approval.id);
          return { ...res, body: { ...body, changes: [...others, swap(approval)] } };
        }
        if (body.id === approval.id) return { ...res, body: swap(body as Approval) };
        return res;
      });
      // Any change wakes the engine's long-poll, which then receives the rewritten feed answer.
      await agent.open({ params: { amount: 150, currency: 'EUR', orderId: 'wake' } });

      await dialog.waitFor({ state: 'detached', timeout: 20_000 });
      const notice = (await page.getByTestId('decision-notice').textContent()) ?? '';
      assert.match(notice, /changed|quarantined/);
      assert.match(notice, /nothing was signed/);
      await screenshot(page, 'swapped-under-dialog');
      proxy.reset();
      assert.equal(await status(world, approval.id), 'pending', 'the approval is still undecided on the server');
      const decisions = proxy.seen.filter((r) => r.method === 'POST' && r.path.endsWith('/decision'));
      assert.deepEqual(decisions, [], 'no decision was sent');
      assert.deepEqual(world.tracked.problems, []);
    } finally {
      await world.close();
    }
  });
});
