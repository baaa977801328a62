/**
 * Settings end to end, against the real control plane, engine and OS keychain: rotating the
 * approver key (the control plane's view, approving with the new key, and which key the
 * agent must trust), removing a profile (back to onboarding, secrets gone from the
 * keychain), and the rate-limited banner when the control plane answers 429.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser, expect, type Page } from '@playwright/test';
import type { ProfileView } from '../../src/approver/api.ts';
import { accounts } from '../../src/approver/key-store.ts';
import { ControlPlaneError } from '../../src/client/errors.ts';
import { ControlPlaneClient } from '../../src/client/index.ts';
import { generateKeyPair } from '../../src/core/crypto.ts';
import { attachCosignature, buildReceipt, verifyStatement } from '../../src/core/statements.ts';
import { verifyReceipt } from '../../src/core/verify.ts';
import { keychainOwnerOf } from '../approver/helpers.ts';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.ts';
import { DEMO_POLICY } from '../support/cloud.ts';
import { keychainLabels } from '../support/keychain.ts';
import { createWorld, keyringSkipReason, PROFILE_NAME, refundAction, type World } from './world.ts';

const skip = browserSkipReason() ?? keyringSkipReason();

/** What the UI's own bridge lists (the same `profiles:list` the renderer calls). */
function listProfilesInPage(page: Page): Promise<ProfileView[]> {
  return page.evaluate(async () => {
    const heso = window.heso;
    if (!heso) throw new Error('no bridge in the page');
    return heso.invoke('profiles:list', null);
  });
}

/** Opens the approval in the queue and approves it through the button and the confirmation. */
async function approveInUi(page: Page, approvalId: string): Promise<void> {
  await page.getByRole('button', { name: /^Queue/ }).click();
  await page.locator(`[data-testid=queue-item][data-approval-id="${approvalId}"]`).click();
  await expect(page.getByTestId('verification')).toHaveAttribute('data-ok', 'true');
  await page.getByTestId('approve-button').click();
  await page.getByTestId('confirm-approve').click();
  await expect(page.getByTestId('outcome')).toHaveAttribute('data-status', 'accepted');
}

function profileCard(page: Page) {
  return page.locator(`[data-testid=profile-card][data-profile=${PROFILE_NAME}]`);
}

describe('approver UI: key rotation, profile removal and rate limiting', { skip: skip ?? false }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  test('rotating the key in Settings: new key pending and old revoked; once activated it approves, and only the new key verifies', async () => {
    const world = await createWorld(browser, { onboarded: true });
    try {
      const { page, cloud, teamId, agent, keyStore } = world;
      const old = world.profile!;
      await page.getByTestId('queue-empty').waitFor();
      await page.getByRole('button', { name: 'Settings' }).click();
      const card = profileCard(page);
      await expect(card.getByTestId('fingerprint')).toHaveAttribute('data-fingerprint', old.fingerprint);
      await expect(card.getByTestId('key-status')).toHaveText('Active');

      await card.getByRole('button', { name: 'Rotate key…' }).click();
      const dialog = page.getByTestId('rotate-dialog');
      await expect(dialog).toContainText('pending');
      await dialog.getByRole('button', { name: 'Rotate key', exact: true }).click();
      await expect(dialog).toHaveCount(0);
      // The same comparison step as at onboarding, with the new key's fingerprint.
      const compare = page.getByTestId('compare-dialog');
      await expect(compare.getByTestId('fingerprint')).not.toHaveAttribute('data-fingerprint', old.fingerprint);
      await expect(compare.getByTestId('key-progress')).toContainText('Waiting for your admin');
      await compare.getByRole('button', { name: 'Done' }).click();
      await expect(compare).toHaveCount(0);

      // The app now shows the new key, pending, and its own bridge agrees.
      await expect(card.getByTestId('fingerprint')).not.toHaveAttribute('data-fingerprint', old.fingerprint);
      await expect(card.getByTestId('key-status')).toHaveText('Pending activation');
      await expect(page.locator('.header-profile').getByTestId('key-status')).toHaveText('Pending activation');
      const [rotated, ...others] = await listProfilesInPage(page);
      assert.equal(others.length, 0);
      assert.ok(rotated);
      assert.notEqual(rotated.keyId, old.keyId);
      assert.notEqual(rotated.publicKey, old.publicKey);
      assert.equal(rotated.keyStatus, 'pending');
      assert.equal(await card.getByTestId('fingerprint').getAttribute('data-fingerprint'), rotated.fingerprint);
      await screenshot(page, 'settings-rotated');

      // The control plane: new key pending with a rotation vouched for by the old key; old key revoked.
      const records = await cloud.admin.listApprovers(teamId);
      const newRecord = records.find((r) => r.keyId === rotated.keyId);
      const oldRecord = records.find((r) => r.keyId === old.keyId);
      assert.ok(newRecord && oldRecord, 'both keys are listed');
      assert.equal(newRecord.status, 'pending');
      assert.equal(newRecord.fingerprint, rotated.fingerprint);
      assert.ok(newRecord.rotation, 'the new key carries its rotation record');
      assert.equal(newRecord.rotation.statement.previousKeyId, old.keyId);
      assert.equal(newRecord.rotation.statement.newKeyId, rotated.keyId);
      assert.equal(newRecord.rotation.statement.newPublicKey, rotated.publicKey);
      assert.equal(
        verifyStatement(newRecord.rotation.statement, newRecord.rotation.signature, old.publicKey),
        true,
        'the rotation is signed by the previous key',
      );
      assert.equal(oldRecord.status, 'revoked');
      assert.ok(oldRecord.revokedAt);
      // The revoked key's private half is gone from the keychain; the new one is there.
      const owner = await keychainOwnerOf(world.configDir, PROFILE_NAME);
      assert.equal(await keyStore.get(accounts.privateKey(owner, old.keyId)), null);
      assert.notEqual(await keyStore.get(accounts.privateKey(owner, rotated.keyId)), null);

      // The admin compares and activates the new key; the app follows.
      await cloud.admin.activateApprover(teamId, rotated.keyId);
      await card.getByRole('button', { name: 'Refresh key status' }).click();
      await expect(card.getByTestId('key-status')).toHaveText('Active');

      const { approval } = await agent.open({ params: { amount: 480, currency: 'EUR', orderId: '77001' } });
      await approveInUi(page, approval.id);
      const decided = await agent.client.getApproval(teamId, approval.id, { waitSeconds: 5 });
      assert.equal(decided.status, 'approved');
      assert.ok(decided.cosignature);
      assert.equal(decided.cosignature.statement.approverKeyId, rotated.keyId);
      assert.equal(decided.cosignature.approverPublicKey, rotated.publicKey);
      const receipt = attachCosignature(decided.receipt, decided.cosignature);
      const withNewKey = verifyReceipt(receipt, { approverKeys: [rotated.publicKey] });
      assert.equal(withNewKey.ok, true, JSON.stringify(withNewKey.reasons));
      assert.equal(withNewKey.verdict, 'allow');
      const withOldKeyOnly = verifyReceipt(receipt, { approverKeys: [old.publicKey] });
      assert.equal(withOldKeyOnly.ok, false, 'an agent that still pins only the old key must not accept it');
      assert.notEqual(withOldKeyOnly.verdict, 'allow');
      assert.deepEqual(world.tracked.problems, []);
    } finally {
      await world.close();
    }
  });

  test('Replace API key: an operator key is refused at the field; an approver key brings the queue back, same signing key', async () => {
    const world = await createWorld(browser, { onboarded: true });
    try {
      const { page, cloud, teamId } = world;
      await page.getByTestId('queue-empty').waitFor();
      await cloud.admin.revokeApiKey(world.apiKey);
      await expect(page.getByTestId('connection-banner')).toHaveAttribute('data-kind', 'auth_failed', {
        timeout: 20_000,
      });

      await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click();
      const card = profileCard(page);
      await card.getByRole('button', { name: 'Replace API key…' }).click();
      const dialog = page.getByTestId('replace-api-key-dialog');
      await dialog.getByTestId('replace-api-key').fill(await cloud.admin.createApiKey(teamId, 'operator'));
      await dialog.getByTestId('confirm-replace-api-key').click();
      await expect(dialog).toContainText('This is an operator API key');

      await dialog.getByTestId('replace-api-key').fill(await cloud.admin.createApiKey(teamId, 'approver'));
      await dialog.getByTestId('confirm-replace-api-key').click();
      await expect(dialog).toHaveCount(0);
      await expect(page.getByTestId('connection-banner')).toHaveAttribute('data-kind', 'online', { timeout: 20_000 });
      await expect(card.getByTestId('fingerprint')).toHaveAttribute('data-fingerprint', world.profile!.fingerprint);
      // The refused operator key is an RPC answered 422 (the browser logs it); nothing else went wrong.
      assert.deepEqual(
        world.tracked.problems.filter((p) => !/status of 422/.test(p)),
        [],
      );
    } finally {
      await world.close();
    }
  });

  test('removing the profile in Settings (typing its name) returns to onboarding and deletes its keychain items', async () => {
    const world = await createWorld(browser, { onboarded: true });
    try {
      const { page, keyStore, keychainService, engine } = world;
      const profile = world.profile!;
      const owner = await keychainOwnerOf(world.configDir, PROFILE_NAME);
      const privateKeyAccount = accounts.privateKey(owner, profile.keyId);
      const apiKeyAccount = accounts.apiKey(owner);
      const labelOf = (account: string) => `keyring:${account}@${keychainService}`;
      // Both items exist first, so their absence afterwards means something.
      assert.notEqual(await keyStore.get(privateKeyAccount), null);
      assert.equal(await keyStore.get(apiKeyAccount), world.apiKey);
      assert.deepEqual(
        keychainLabels(keychainService).sort(),
        [labelOf(privateKeyAccount), labelOf(apiKeyAccount)].sort(),
      );

      await page.getByTestId('queue-empty').waitFor();
      await page.getByRole('button', { name: 'Settings' }).click();
      await profileCard(page).getByRole('button', { name: 'Remove…' }).click();
      const dialog = page.getByTestId('remove-dialog');
      const confirmName = dialog.getByLabel(`Type ${PROFILE_NAME} to confirm`);
      const removeButton = dialog.getByRole('button', { name: 'Remove profile' });
      await expect(confirmName).toBeFocused();
      await expect(removeButton).toBeDisabled();
      await confirmName.fill(`${PROFILE_NAME}x`);
      await expect(removeButton).toBeDisabled();
      // Enter in the field submits the form: with the wrong name it must do nothing.
      await confirmName.press('Enter');
      await expect(dialog).toBeVisible();
      assert.equal((await listProfilesInPage(page)).length, 1, 'a wrong name removes nothing');
      await confirmName.fill(PROFILE_NAME);
      await expect(removeButton).toBeEnabled();
      await removeButton.click();

      await expect(page.getByTestId('onboarding-submit')).toBeVisible();
      await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0);
      await screenshot(page, 'onboarding-after-remove');

      assert.deepEqual(await listProfilesInPage(page), []);
      assert.equal(engine.snapshot().profile, null, 'the engine no longer follows the removed profile');
      assert.equal(await keyStore.get(privateKeyAccount), null);
      assert.equal(await keyStore.get(apiKeyAccount), null);
      assert.deepEqual(keychainLabels(keychainService), [], 'no keychain item of the profile is left');
      const record = (await world.cloud.admin.listApprovers(world.teamId)).find((r) => r.keyId === profile.keyId);
      assert.equal(record?.status, 'revoked', 'the removed device no longer counts as an approver');
      assert.deepEqual(world.tracked.problems, []);
    } finally {
      await world.close();
    }
  });

  test('a drained rate limit shows the "Rate limited" banner with the wait the control plane asked for', async () => {
    // Tokens come back once every 1000 s: once drained, the engine's next request gets 429 with a long Retry-After.
    const world = await createWorld(browser, {
      onboarded: true,
      cloud: { rateLimit: { burst: 10, perSecond: 0.001 } },
    });
    try {
      const { page, cloud, teamId, agent, engine } = world;
      await page.getByTestId('queue-empty').waitFor();
      await expect(page.getByTestId('connection-banner')).toHaveAttribute('data-kind', 'online');
      const { approval } = await agent.open({ params: { amount: 640, currency: 'EUR', orderId: '31337' } });
      const row = page.locator(`[data-testid=queue-item][data-approval-id="${approval.id}"]`);
      await expect(row).toBeVisible();

      // Spend the rest of the API key's burst (the engine and the agent share the key) until the control plane says 429.
      let retryAfter: number | undefined;
      for (let i = 0; i < 20 && retryAfter === undefined; i++) {
        try {
          await agent.client.listPending(teamId);
        } catch (error) {
          if (!(error instanceof ControlPlaneError) || error.kind !== 'rate_limited') throw error;
          retryAfter = error.retryAfterSeconds;
        }
      }
      assert.ok(retryAfter !== undefined && retryAfter > 60, `drained, with a long Retry-After (got ${retryAfter})`);

      // Another key of the team opens an approval, which ends the engine's long-poll if it is still waiting:
      // either way its next request is refused.
      const otherClient = new ControlPlaneClient({
        endpoint: cloud.url,
        apiKey: await cloud.admin.createApiKey(teamId),
      });
      const receipt = buildReceipt(
        {
          teamId,
          action: refundAction(),
          verdict: 'suspend',
          policy: { version: DEMO_POLICY.version, ruleId: 'big-refunds' },
        },
        generateKeyPair().secretKey,
      );
      await otherClient.openApproval(teamId, { receipt, expiresInSeconds: 600 });

      const banner = page.locator('[data-testid=connection-banner][data-kind=rate_limited]');
      await expect(banner).toContainText('Rate limited');
      await expect(banner).toContainText(/asked us to slow down; retrying in \d+ s/);
      await expect(banner).toContainText(/Last updated/);
      // The queue fetched before the 429 stays on screen, marked as possibly stale by the banner.
      await expect(row).toBeVisible();
      assert.equal(engine.snapshot().connection.kind, 'rate_limited');
      assert.match(engine.snapshot().connection.message, /slow down/);
      await screenshot(page, 'banner-rate-limited');
      assert.deepEqual(world.tracked.problems, []);
    } finally {
      await world.close();
    }
  });

  test('too many long-polls for the key: the banner shows while refused, and the queue comes back online after', async () => {
    // One long-poll per API key: while the agent holds it, every long-poll of the engine gets 429 (Retry-After: 1).
    const world = await createWorld(browser, { onboarded: true, cloud: { rateLimit: { maxLongPolls: 1 } } });
    const hold = new AbortController();
    try {
      const { page, agent, engine } = world;
      await page.getByTestId('queue-empty').waitFor();
      const kinds: string[] = [];
      const unsubscribe = engine.on('connection', (state) => kinds.push(state.kind));
      // Free the slot the engine holds, take it for the agent, then let the app start following again (on reload).
      await engine.stop();
      const { held } = await takeTheOnlyLongPoll(world, hold.signal);
      await page.reload();

      const banner = page.locator('[data-testid=connection-banner][data-kind=rate_limited]');
      await expect(banner).toContainText('Rate limited');
      await expect(banner).toContainText(/slow down; retrying in 1 s/);
      assert.equal(engine.snapshot().connection.kind, 'rate_limited');

      await screenshot(page, 'banner-rate-limited-long-poll');

      // Requests are allowed again. A long-poll only answers when something changes (or after its
      // wait), so the agent opens an approval: the engine's next poll returns it and it is online.
      hold.abort();
      await held;
      const { approval } = await agent.open({ params: { amount: 300, currency: 'EUR', orderId: '5150' } });
      // Generous ceiling: the slot frees when the server sees the aborted request close, then the engine retries.
      await expect(page.locator(`[data-testid=queue-item][data-approval-id="${approval.id}"]`)).toBeVisible({
        timeout: 15_000,
      });
      await expect(page.getByTestId('connection-banner')).toHaveAttribute('data-kind', 'online');
      await expect(page.locator('.banner')).toHaveCount(0);
      unsubscribe();
      assert.ok(kinds.includes('rate_limited'), `the engine reported rate_limited (saw ${kinds.join(', ')})`);
      assert.equal(engine.snapshot().connection.kind, 'online');
      assert.deepEqual(world.tracked.problems, []);
    } finally {
      hold.abort();
      await world.close();
    }
  });
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Makes the agent hold the key's only long-poll slot (`maxLongPolls: 1`); returns the held
 * request (wrapped, so it is not awaited here), which ends when `signal` aborts. Probes tell who holds the slot: a probe that is
 * answered found it free, one refused with 429 found it taken.
 */
async function takeTheOnlyLongPoll(world: World, signal: AbortSignal): Promise<{ held: Promise<unknown> }> {
  const { client } = world.agent;
  const { cursor } = await client.listPending(world.teamId);
  const probe = () =>
    client.listPending(world.teamId, { cursor, waitSeconds: 1 }).then(
      () => 'free' as const,
      (error: unknown) => {
        if (error instanceof ControlPlaneError && error.kind === 'rate_limited') return 'taken' as const;
        throw error;
      },
    );
  // The stopped engine's long-poll frees its slot once the server sees its connection close.
  while ((await probe()) === 'taken') await pause(100);
  const startHold = () => {
    const hold = { settled: false, request: Promise.resolve<unknown>(null) };
    hold.request = client
      .listPending(world.teamId, { cursor, waitSeconds: 30, signal })
      .catch(() => null)
      .finally(() => {
        hold.settled = true;
      });
    return hold;
  };
  let hold = startHold();
  for (;;) {
    // Nothing else polls now: a refused probe means the held request owns the slot. An answered
    // probe owned it itself, and the held request may have been refused meanwhile: hold again.
    if ((await probe()) === 'taken') return { held: hold.request };
    if (hold.settled) hold = startHold();
  }
}
