/**
 * "What the approver signs is exactly what they see": a decision carries what the approver
 * reviewed (every field the decision binds), and the engine refuses to approve when the approval
 * it holds or fetches under that id now carries anything else, even a validly signed action.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { reviewedOf } from '../../src/approver/display.ts';
import type { Approval } from '../../src/core/api.ts';
import { type CloudHandle, setupTeam, startCloud } from '../support/cloud.ts';
import { KEYRING_SKIP, makeAgent, makeEngine, tempDir, testKeyStore, trustAgent } from './helpers.ts';

let cloud: CloudHandle;
before(async () => {
  if (!KEYRING_SKIP) cloud = await startCloud();
});
after(async () => {
  await cloud?.stop();
});

/**
 * A control plane that, once `swap` is set, answers GET of approval `swap.id` with another
 * (validly operator-signed) approval dressed up under that id; counts decision POSTs.
 */
function swappingFetch() {
  const state: { swap: { id: string; with: Approval } | null; decisionPosts: number } = {
    swap: null,
    decisionPosts: 0,
  };
  const wrapped: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    if (method === 'POST' && /\/approvals\/[^/]+\/decision$/.test(url.pathname)) state.decisionPosts += 1;
    const response = await fetch(input, init);
    const swap = state.swap;
    if (method !== 'GET' || !swap || !url.pathname.endsWith(`/approvals/${swap.id}`) || !response.ok) return response;
    await response.arrayBuffer();
    const body = { ...swap.with, id: swap.id };
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  };
  return { fetch: wrapped, state };
}

test('approve is refused when the approval now holds another action than the one shown', {
  skip: KEYRING_SKIP,
}, async () => {
  const { teamId, apiKey } = await setupTeam(cloud);
  const dir = tempDir();
  const served = swappingFetch();
  const keyStore = testKeyStore();
  const engine = makeEngine(dir.path, { keyStore, fetch: served.fetch });
  try {
    const profile = await engine.initProfile({ endpoint: cloud.url, teamId, apiKey, displayName: 'B' });
    await cloud.admin.activateApprover(teamId, profile.keyId);
    const agent = makeAgent(cloud, teamId, apiKey);
    await trustAgent(engine, profile.name, agent);
    const shownApproval = await agent.open({ amount: 300 });
    const other = await agent.open({ amount: 99_999, iban: 'XX00 ATTACKER' });

    // The approver is shown the item (as `heso-approver approve` does before asking for the code)…
    const shown = await engine.fetchItem(shownApproval.id, profile.name);
    assert.ok(shown && !shown.quarantined);
    const reviewed = reviewedOf(shown);
    // …and by the time they confirm, the same id carries another, validly signed action.
    served.state.swap = { id: shownApproval.id, with: other };
    const now = await engine.fetchItem(shownApproval.id, profile.name);
    assert.equal(now?.quarantined, true, 'an approval id is immutable: the change is a quarantine');
    assert.equal(now?.approval.receipt.statement.actionHash, reviewed.actionHash, 'what was first seen is kept');
    assert.match(now?.verification.reasons.join('; ') ?? '', /changed this approval after this device first saw it/);

    const outcome = await engine.decide({ approvalId: shownApproval.id, decision: 'approve', reviewed });
    assert.equal(outcome.status, 'refused', outcome.message);
    assert.match(outcome.message, /changed/);
    assert.equal(served.state.decisionPosts, 0, 'nothing was signed or sent');
    assert.equal((await agent.poll(shownApproval.id)).status, 'pending');

    // With the action as shown, approving works.
    served.state.swap = null;
    // Even once the control plane serves the original again, this engine keeps the id quarantined.
    served.state.swap = null;
    const still = await engine.decide({ approvalId: shownApproval.id, decision: 'approve', reviewed });
    assert.equal(still.status, 'refused', still.message);
    assert.equal(served.state.decisionPosts, 0);
    // A fresh engine (another run) that never saw the substitute approves what was shown.
    const fresh = makeEngine(dir.path, { keyStore, fetch: served.fetch });
    const ok = await fresh.decide({ approvalId: shownApproval.id, decision: 'approve', reviewed });
    assert.equal(ok.status, 'accepted', ok.message);
  } finally {
    await engine.removeProfile(teamId).catch(() => undefined);
    dir.cleanup();
  }
});
