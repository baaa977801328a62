/**
 * Quorum approvals in Debian's Chromium: another approver (Dana, finance) approved first; the
 * queue row and the detail show the requirement and the progress, what this approver's own
 * signature adds and that a deny vetoes; approving meets the quorum; a second try is refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from '@playwright/test';
import { reviewedOf } from '../../src/approver/display.ts';
import { b64url, buildCosignature, generateKeyPair, keyIdOf } from '../../src/core/index.ts';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.ts';
import { approveInDialog, createWorld, keyringSkipReason, openDetail } from './world.ts';

const skip = browserSkipReason() ?? keyringSkipReason();

describe('approver UI: quorum progress', { skip: skip ?? false }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  test('needs 2 of finance + security: Dana’s approval shows as progress, this approver’s approval meets the quorum', async () => {
    const world = await createWorld(browser, { onboarded: true });
    try {
      const { page, agent, teamId, cloud } = world;
      const me = world.profile!;
      await cloud.admin.labelApprover(teamId, me.keyId, { groups: ['security'] });
      const dana = generateKeyPair();
      const danaKeyId = keyIdOf(dana.publicKey);
      await agent.client.enrolApprover(teamId, { publicKey: b64url.encode(dana.publicKey), name: 'Dana' });
      await cloud.admin.activateApprover(teamId, danaKeyId);
      await cloud.admin.labelApprover(teamId, danaKeyId, { groups: ['finance'] });

      const quorum = { required: 2, groups: { finance: 1, security: 1 } };
      const { approval } = await agent.open({ params: { amount: 25_000, currency: 'EUR', orderId: 'q-1' } }, 600, {
        quorum,
      });
      await agent.client.decide(
        teamId,
        approval.id,
        buildCosignature({ approval, decision: 'approve' }, dana.secretKey),
      );

      const row = page.locator(`[data-testid=queue-item][data-approval-id="${approval.id}"]`);
      await row.waitFor();
      const rowProgress = row.getByTestId('quorum-progress');
      await rowProgress.getByText('Dana', { exact: false }).waitFor();
      const rowText = (await rowProgress.textContent()) ?? '';
      assert.match(rowText, /needs 2 of finance \+ security/);
      assert.match(rowText, /1 of 2/);
      assert.match(rowText, /Dana \(finance\) approved/);
      assert.match(rowText, /waiting for security/);
      assert.equal(await row.getByTestId('quorum-count').getAttribute('aria-label'), '1 of 2 approvals');
      await screenshot(page, 'quorum-queue');

      await openDetail(page, approval.id);
      const detail = page.getByTestId('detail');
      assert.match(
        (await detail.getByTestId('quorum-yours').textContent()) ?? '',
        /would meet the quorum if you are in security; a deny vetoes it/,
      );
      await screenshot(page, 'quorum-detail');
      await approveInDialog(page);
      const outcome = page.getByTestId('outcome');
      await outcome.waitFor();
      assert.equal(await outcome.getAttribute('data-status'), 'accepted');
      assert.match((await outcome.textContent()) ?? '', /met the quorum/);

      const closed = await agent.client.getApproval(teamId, approval.id);
      assert.equal(closed.status, 'approved');
      assert.deepEqual(
        closed.decisions?.map((d) => d.cosignature.statement.approverKeyId),
        [danaKeyId, me.keyId],
      );
      const again = await world.engine.decide({
        approvalId: approval.id,
        decision: 'approve',
        profile: me.name,
        reviewed: reviewedOf({ approval }),
      });
      assert.equal(again.status, 'already_decided');
      assert.match(again.message, /quorum was met/);
    } finally {
      await world.close();
    }
  });
});
