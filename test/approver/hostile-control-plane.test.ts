/**
 * "What you see is what you sign" against a hostile control plane: a proxy in front of a real
 * `heso-cloud` rewrites its answers, and the approver engine (and its CLI) must never sign
 * anything the person did not review. Each case: the rewrite, what the approver shows, and that
 * no decision for the rewritten content reached the server.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ConnectionState, PendingItem } from '../../src/approver/api.ts';
import { reviewedOf } from '../../src/approver/display.ts';
import type { ApproverEngine } from '../../src/approver/engine.ts';
import type { Approval } from '../../src/core/api.ts';
import { b64url } from '../../src/core/encoding.ts';
import { buildReceipt, generateKeyPair } from '../../src/core/index.ts';
import { type CloudHandle, setupTeam, startCloud } from '../support/cloud.ts';
import { type HostileProxy, type ProxiedRequest, startHostileProxy } from '../support/hostile-proxy.ts';
import {
  AGENT_WORKFLOW,
  KEYRING_SKIP,
  makeAgent,
  makeEngine,
  nextEvent,
  tempDir,
  testKeyStore,
  trustAgent,
} from './helpers.ts';

const BIN = fileURLToPath(new URL('../../bin/heso-approver.mjs', import.meta.url));

let cloud: CloudHandle;
before(async () => {
  if (!KEYRING_SKIP) cloud = await startCloud();
});
after(async () => {
  await cloud?.stop();
});

function cli(args: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
    child.stdin?.end(input);
  });
}

const isGetOf = (id: string) => (req: ProxiedRequest) => req.method === 'GET' && req.path.endsWith(`/approvals/${id}`);
const isList = (req: ProxiedRequest) => req.method === 'GET' && req.path.endsWith('/approvals');
const decisionPosts = (proxy: HostileProxy) =>
  proxy.seen.filter((r) => r.method === 'POST' && r.path.endsWith('/decision'));

/** One team on the real server, an engine whose endpoint is the hostile proxy, an active approver key. */
async function setup(opts: { pinAgent?: boolean } = {}) {
  const team = await setupTeam(cloud);
  const proxy = await startHostileProxy(cloud.url);
  const dir = tempDir('heso-hostile-');
  const keyStore = testKeyStore();
  const engine = makeEngine(dir.path, { keyStore });
  const profile = await engine.initProfile({
    endpoint: proxy.url,
    teamId: team.teamId,
    apiKey: team.apiKey,
    displayName: 'Hostile Harness',
  });
  await cloud.admin.activateApprover(team.teamId, profile.keyId);
  const agent = makeAgent(cloud, team.teamId, team.apiKey);
  if (opts.pinAgent !== false) await trustAgent(engine, profile.name, agent);
  const close = async () => {
    await engine.stop();
    await engine.removeProfile(profile.name).catch(() => undefined);
    await proxy.stop();
    dir.cleanup();
  };
  return { ...team, proxy, dir, keyStore, engine, profile, agent, close };
}

/** Replaces `id`'s approval in every answer (single GET and pending list) with `build(real)`. */
function rewriteApproval(proxy: HostileProxy, id: string, build: (real: Approval) => Approval): () => void {
  return proxy.rewrite((req, res) => {
    if (res.status !== 200 || typeof res.body !== 'object' || res.body === null) return res;
    if (isGetOf(id)(req)) return { ...res, body: build(res.body as Approval) };
    if (isList(req)) {
      const body = res.body as { approvals: Approval[] };
      return { ...res, body: { ...body, approvals: body.approvals.map((a) => (a.id === id ? build(a) : a)) } };
    }
    return res;
  });
}

async function followed(engine: ApproverEngine, profile: string, id: string): Promise<PendingItem> {
  const added = nextEvent<PendingItem>(
    (l) => engine.on('added', l),
    (i) => i.approval.id === id,
  );
  await engine.start(profile);
  return added;
}

test('same id, different receipt while following: quarantined, first-seen kept, approve refused, deny allowed', {
  skip: KEYRING_SKIP,
}, async () => {
  const w = await setup();
  try {
    const shown = await w.agent.open({ amount: 300 });
    const substitute = await w.agent.open({ amount: 99_999, iban: 'XX00 ATTACKER' });
    const first = await followed(w.engine, w.profile.name, shown.id);
    assert.equal(first.verification.ok, true, first.verification.reasons.join('; '));
    const reviewed = reviewedOf(first);

    // The control plane re-serves the same id with another, validly operator-signed receipt.
    const updated = nextEvent<PendingItem>(
      (l) => w.engine.on('updated', l),
      (i) => i.approval.id === shown.id,
    );
    rewriteApproval(w.proxy, shown.id, (real) => ({ ...substitute, id: real.id }));
    const item = await updated;
    assert.equal(item.quarantined, true);
    assert.match(
      item.verification.reasons[0] ?? '',
      /changed this approval after this device first saw it \(action, receipt/,
    );
    assert.equal(JSON.parse(item.canonicalAction).params.amount, 300, 'what was first seen stays on screen');
    assert.deepEqual(reviewedOf(item), reviewed);

    const approve = await w.engine.decide({ approvalId: shown.id, decision: 'approve', reviewed });
    assert.equal(approve.status, 'refused', approve.message);
    assert.equal(decisionPosts(w.proxy).length, 0, 'nothing was signed or sent');
    assert.equal((await w.agent.poll(shown.id)).status, 'pending');

    const deny = await w.engine.decide({
      approvalId: shown.id,
      decision: 'deny',
      reason: 'changed under me',
      reviewed,
    });
    assert.equal(deny.status, 'accepted', deny.message);
    const polled = await w.agent.poll(shown.id);
    assert.equal(polled.status, 'denied');
    assert.equal(polled.cosignature?.statement.actionHash, reviewed.actionHash, 'the denial binds what was seen');
  } finally {
    await w.close();
  }
});

test('challenge swap under a seen id: quarantined with the challenge named; nothing signed', {
  skip: KEYRING_SKIP,
}, async () => {
  const w = await setup();
  try {
    const shown = await w.agent.open();
    const item = await w.engine.fetchItem(shown.id, w.profile.name);
    assert.ok(item);
    assert.equal(item.verification.ok, true, item.verification.reasons.join('; '));
    rewriteApproval(w.proxy, shown.id, (real) => ({ ...real, challenge: b64url.encode(new Uint8Array(32).fill(7)) }));
    const outcome = await w.engine.decide({ approvalId: shown.id, decision: 'approve', reviewed: reviewedOf(item) });
    assert.equal(outcome.status, 'refused', outcome.message);
    assert.match(outcome.message, /challenge/);
    const again = await w.engine.fetchItem(shown.id, w.profile.name);
    assert.equal(again?.quarantined, true);
    assert.match(again?.verification.reasons.join('; ') ?? '', /challenge changed/);
    assert.equal(decisionPosts(w.proxy).length, 0);
  } finally {
    await w.close();
  }
});

test('an id first seen in one run stays fixed for the next run on the profile (restart, CLI)', {
  skip: KEYRING_SKIP,
}, async () => {
  const w = await setup();
  const later = makeEngine(w.dir.path, { keyStore: w.keyStore });
  try {
    const shown = await w.agent.open({ amount: 300 });
    const substitute = await w.agent.open({ amount: 99_999 });
    const seen = await w.engine.fetchItem(shown.id, w.profile.name);
    assert.ok(seen);
    await w.engine.stop();
    rewriteApproval(w.proxy, shown.id, (real) => ({ ...substitute, id: real.id }));

    // Another engine on the same profile (the app after a restart, or a CLI run) never saw it in memory.
    const item = await later.fetchItem(shown.id, w.profile.name);
    assert.equal(item?.quarantined, true);
    assert.equal(JSON.parse(item?.canonicalAction ?? '{}').params.amount, 300);
    const outcome = await later.decide({ approvalId: shown.id, decision: 'approve', reviewed: reviewedOf(seen) });
    assert.equal(outcome.status, 'refused', outcome.message);
    assert.equal(decisionPosts(w.proxy).length, 0);
  } finally {
    await later.stop();
    await w.close();
  }
});

test('id mismatch: asked for A, answered with B: refused by the engine and the CLI, nothing signed', {
  skip: KEYRING_SKIP,
}, async () => {
  const w = await setup();
  const g = ['--config-dir', join(w.dir.path, 'cli-config')];
  try {
    const a = await w.agent.open({ amount: 150 });
    const b = await w.agent.open({ amount: 99_999 });
    rewriteApproval(w.proxy, a.id, () => b);

    await assert.rejects(w.engine.fetchItem(a.id, w.profile.name), (err: Error) => {
      assert.match(err.message, new RegExp(`answered with approval "${b.id}" when asked for approval "${a.id}"`));
      return true;
    });
    const forged = reviewedOf({ approval: a });
    await assert.rejects(w.engine.decide({ approvalId: a.id, decision: 'approve', reviewed: forged }), /answered with/);

    const init = await cli(
      [...g, 'init', '--endpoint', w.proxy.url, '--team', w.teamId, '--name', 'Cli', '--json'],
      `${w.apiKey}\n`,
    );
    assert.equal(init.code, 0, init.stdout + init.stderr);
    await cloud.admin.activateApprover(w.teamId, JSON.parse(init.stdout).profile.keyId);
    const pin = await cli([...g, 'trust', 'add-operator', w.agent.operatorPublicKey, '--workflow', AGENT_WORKFLOW]);
    assert.equal(pin.code, 0, pin.stderr);
    const approve = await cli([...g, 'approve', a.id, '--yes', '--json']);
    assert.equal(approve.code, 4, approve.stdout);
    const error = JSON.parse(approve.stdout).error;
    assert.equal(error.code, 'wrong_answer');
    assert.match(error.message, /when asked for approval/);
    assert.match(error.message, /nothing was signed/);
    await cli([...g, 'profile', 'remove', w.teamId, '--yes']);

    assert.equal(decisionPosts(w.proxy).length, 0);
    assert.equal((await w.agent.poll(b.id)).status, 'pending');
    assert.equal((await w.agent.poll(a.id)).status, 'pending');
  } finally {
    await w.close();
  }
});

test("another team's approval in the queue or under a requested id is refused", { skip: KEYRING_SKIP }, async () => {
  const w = await setup();
  try {
    const other = await setupTeam(cloud, 'Other team');
    const foreign = await makeAgent(cloud, other.teamId, other.apiKey).open({ amount: 5000 });
    const mine = await w.agent.open();

    // Under the requested id, with the other team's content.
    rewriteApproval(w.proxy, mine.id, () => ({ ...foreign, id: mine.id }));
    await assert.rejects(w.engine.fetchItem(mine.id, w.profile.name), /of team/);

    // Slipped into the pending list: the whole answer is refused, the foreign item never shown.
    w.proxy.reset();
    w.proxy.rewrite((req, res) => {
      if (!isList(req) || res.status !== 200) return res;
      const body = res.body as { approvals: Approval[] };
      return { ...res, body: { ...body, approvals: [...body.approvals, foreign] } };
    });
    const refusing = nextEvent<ConnectionState>(
      (l) => w.engine.on('connection', l),
      (c) => c.kind === 'reconnecting',
    );
    await w.engine.start(w.profile.name);
    const state = await refusing;
    assert.match(state.message, /not this team's/);
    assert.equal(w.engine.getItem(foreign.id), undefined);
    assert.equal(decisionPosts(w.proxy).length, 0);
  } finally {
    await w.close();
  }
});

test('receipt re-signed with an unknown operator key: first seen (no pin) or quarantined (pinned workflow)', {
  skip: KEYRING_SKIP,
}, async () => {
  const w = await setup({ pinAgent: false });
  try {
    const real = await w.agent.open({ amount: 120 });
    const attacker = generateKeyPair();
    let forged: Approval | null = null;
    // The control plane re-signs once and keeps serving that version (a stable forgery).
    const reSign = (a: Approval): Approval => {
      if (forged) return forged;
      const st = a.receipt.statement;
      const receipt = buildReceipt(
        {
          teamId: st.teamId,
          action: { ...st.action, params: { ...st.action.params, amount: 9_000 } },
          verdict: 'suspend',
          policy: st.policy,
        },
        attacker.secretKey,
      );
      forged = { ...a, receipt };
      return forged;
    };
    rewriteApproval(w.proxy, real.id, reSign);

    // No key pinned: the receipt verifies, but its key is new. It is not "Verification OK".
    const firstSeen = await w.engine.fetchItem(real.id, w.profile.name);
    assert.ok(firstSeen);
    assert.equal(firstSeen.operator.trust, 'first_seen');
    assert.equal(firstSeen.verification.ok, false);
    assert.match(firstSeen.verification.reasons.join('; '), /not trusted on this device/);
    const refused = await w.engine.decide({
      approvalId: real.id,
      decision: 'approve',
      reviewed: reviewedOf(firstSeen),
    });
    assert.equal(refused.status, 'refused', refused.message);
    assert.match(refused.message, /not trusted on this device yet/);
    assert.equal(decisionPosts(w.proxy).length, 0);

    // With the real agent key pinned for the workflow, the stranger's key is a changed key: quarantined.
    await trustAgent(w.engine, w.profile.name, w.agent);
    const changed = await w.engine.fetchItem(real.id, w.profile.name);
    assert.equal(changed?.operator.trust, 'changed');
    assert.equal(changed?.quarantined, true);
    await assert.rejects(
      w.engine.trustItemOperator({ approvalId: real.id, fingerprint: changed?.operator.fingerprint ?? '' }),
      /pinned to another operator key/,
    );
    assert.equal(decisionPosts(w.proxy).length, 0);
  } finally {
    await w.close();
  }
});

test('decision dropped but answered 200: the engine says it is not confirmed, never that the agent may run', {
  skip: KEYRING_SKIP,
}, async () => {
  const w = await setup();
  try {
    const opened = await w.agent.open();
    const item = await w.engine.fetchItem(opened.id, w.profile.name);
    assert.ok(item);
    // The control plane answers the decision with the approval as it was: no decision recorded.
    w.proxy.rewrite((req, res) => {
      if (req.method !== 'POST' || !req.path.endsWith('/decision') || res.status !== 200) return res;
      return { ...res, body: { ...(res.body as Approval), status: 'pending', cosignature: null, decidedAt: null } };
    });
    const outcome = await w.engine.decide({ approvalId: opened.id, decision: 'approve', reviewed: reviewedOf(item) });
    assert.equal(outcome.status, 'unconfirmed', outcome.message);
    assert.match(outcome.message, /does not record|not "approved"|"pending"/);
    assert.match(outcome.message, /do not assume the agent may run/);
    assert.doesNotMatch(outcome.message, /may now run/);
    const history = await w.engine.history(w.profile.name);
    assert.match(history.entries.at(-1)?.summary ?? '', /unconfirmed/);
  } finally {
    await w.close();
  }
});

test('first-seen operator key → trust after comparing the fingerprint → approve works (engine and CLI)', {
  skip: KEYRING_SKIP,
}, async () => {
  const w = await setup({ pinAgent: false });
  const g = ['--config-dir', join(w.dir.path, 'cli-config')];
  try {
    const opened = await w.agent.open();
    const item = await followed(w.engine, w.profile.name, opened.id);
    assert.equal(item.operator.trust, 'first_seen');
    assert.equal(item.quarantined, false);
    await assert.rejects(
      w.engine.trustItemOperator({ approvalId: opened.id, fingerprint: 'AAAA BBBB' }),
      /not the one of the key that signed this request/,
    );
    const trustedEvent = nextEvent<PendingItem>(
      (l) => w.engine.on('updated', l),
      (i) => i.approval.id === opened.id && i.operator.trust === 'trusted',
    );
    const trusted = await w.engine.trustItemOperator({ approvalId: opened.id, fingerprint: item.operator.fingerprint });
    assert.equal(trusted.operator.trust, 'trusted');
    assert.equal(trusted.verification.ok, true, trusted.verification.reasons.join('; '));
    await trustedEvent;
    const list = await w.engine.listTrustedOperators(w.profile.name);
    assert.deepEqual(
      list.map((t) => [t.fingerprint, t.workflows, t.source]),
      [[item.operator.fingerprint, [AGENT_WORKFLOW], 'confirmed']],
    );
    const ok = await w.engine.decide({ approvalId: opened.id, decision: 'approve', reviewed: reviewedOf(trusted) });
    assert.equal(ok.status, 'accepted', ok.message);

    // The CLI: show says "first seen", `trust confirm` with the compared fingerprint, then approve.
    const init = await cli(
      [...g, 'init', '--endpoint', w.proxy.url, '--team', w.teamId, '--name', 'Cli', '--json'],
      `${w.apiKey}\n`,
    );
    assert.equal(init.code, 0, init.stdout + init.stderr);
    await cloud.admin.activateApprover(w.teamId, JSON.parse(init.stdout).profile.keyId);
    const next = await w.agent.open({ amount: 640 });
    const show = await cli([...g, 'show', next.id]);
    assert.match(show.stdout, /FIRST SEEN for workflow "refund-bot"/);
    const early = await cli([...g, 'approve', next.id, '--yes', '--json']);
    assert.equal(JSON.parse(early.stdout).outcome.status, 'refused');
    assert.match(JSON.parse(early.stdout).outcome.message, /trust confirm/);
    const confirm = await cli([...g, 'trust', 'confirm', next.id, '--fingerprint', item.operator.fingerprint]);
    assert.equal(confirm.code, 0, confirm.stdout + confirm.stderr);
    const approve = await cli([...g, 'approve', next.id, '--yes', '--json']);
    assert.equal(approve.code, 0, approve.stdout + approve.stderr);
    assert.equal((await w.agent.poll(next.id)).status, 'approved');
    await cli([...g, 'profile', 'remove', w.teamId, '--yes']);
  } finally {
    await w.close();
  }
});

test('a known workflow suddenly signed by another operator key is quarantined (and --replace re-pins)', {
  skip: KEYRING_SKIP,
}, async () => {
  const w = await setup();
  try {
    const impostor = makeAgent(cloud, w.teamId, w.apiKey);
    const opened = await impostor.open({ amount: 7000 });
    const item = await w.engine.fetchItem(opened.id, w.profile.name);
    assert.ok(item);
    assert.equal(item.operator.trust, 'changed');
    assert.equal(item.quarantined, true);
    assert.match(item.verification.reasons.join('; '), /operator key changed/);
    const outcome = await w.engine.decide({ approvalId: opened.id, decision: 'approve', reviewed: reviewedOf(item) });
    assert.equal(outcome.status, 'refused');
    await assert.rejects(
      w.engine.trustOperator({ publicKey: impostor.operatorPublicKey, workflows: [AGENT_WORKFLOW] }),
      /already pinned to another operator key/,
    );
    const repinned = await w.engine.trustOperator({
      publicKey: impostor.operatorPublicKey,
      workflows: [AGENT_WORKFLOW],
      replace: true,
    });
    assert.deepEqual(
      repinned.map((t) => t.publicKey),
      [impostor.operatorPublicKey],
    );
    assert.equal(decisionPosts(w.proxy).length, 0);
  } finally {
    await w.close();
  }
});
