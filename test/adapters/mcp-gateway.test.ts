/**
 * `heso mcp` end to end, every part real: the official MCP SDK client → `heso mcp` (the CLI,
 * as a child process) → the real `@modelcontextprotocol/server-filesystem` on a temp dir,
 * gated by a real `heso-cloud`, approved or denied by a real approver engine.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { type CallToolResult, CallToolResultSchema, LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { GATE_META_KEY, MCP_PROTOCOL_VERSION } from '../../src/adapters/mcp-gateway.ts';
import type { Approval } from '../../src/core/api.ts';
import { buildCosignature, buildReceipt, generateKeyPair } from '../../src/core/index.ts';
import { FILESYSTEM_SERVER, gatewaySuite } from './helpers.ts';

function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

function gateMeta(result: CallToolResult): Record<string, unknown> {
  return (result._meta?.[GATE_META_KEY] ?? {}) as Record<string, unknown>;
}

describe('heso mcp in front of the real filesystem server', () => {
  const s = gatewaySuite({
    downstream: (dir) => [FILESYSTEM_SERVER, dir],
    args: (dir) => {
      writeFileSync(join(dir, 'hello.txt'), 'hello from the test\n');
      return ['--name', 'filesystem', '--wait', '20'];
    },
  });

  test('initialize negotiates the pinned protocol version; tools pass through with schemas and annotations', async () => {
    assert.equal(MCP_PROTOCOL_VERSION, LATEST_PROTOCOL_VERSION);
    const { tools } = await s.gw.client.listTools();
    const write = tools.find((t) => t.name === 'write_file');
    assert.ok(write, 'write_file is offered');
    assert.deepEqual(write.inputSchema.required, ['path', 'content']);
    assert.equal(write.annotations?.destructiveHint, true);
    assert.ok(tools.some((t) => t.name === 'read_text_file'));
  });

  test('an allowed read is forwarded', async () => {
    const result = (await s.gw.client.callTool({
      name: 'read_text_file',
      arguments: { path: join(s.dir, 'hello.txt') },
    })) as CallToolResult;
    assert.equal(result.isError ?? false, false, textOf(result));
    assert.match(textOf(result), /hello from the test/);
  });

  test('a blocked call is a tool error naming the rule, and nothing moves', async () => {
    const result = (await s.gw.client.callTool({
      name: 'move_file',
      arguments: { source: join(s.dir, 'hello.txt'), destination: join(s.dir, 'moved.txt') },
    })) as CallToolResult;
    assert.equal(result.isError, true);
    assert.match(textOf(result), /blocked by policy adapters-1 rule "no-moves"/);
    assert.equal(gateMeta(result).outcome, 'blocked');
    assert.ok(existsSync(join(s.dir, 'hello.txt')) && !existsSync(join(s.dir, 'moved.txt')));
  });

  test('a suspended write waits (with progress), is approved on the engine, then runs with exactly the approved content', async () => {
    const path = join(s.dir, 'approved.txt');
    const progress: string[] = [];
    const decided = s.world.decideNext(
      'approve',
      undefined,
      (item) => item.approval.receipt.statement.action.params.path === path,
    );
    const call = s.gw.client.callTool(
      { name: 'write_file', arguments: { path, content: 'approved content' } },
      CallToolResultSchema,
      {
        onprogress: (p) => progress.push(p.message ?? ''),
      },
    );
    const item = await decided;
    assert.equal(item.approval.receipt.statement.action.tool, 'mcp.filesystem.write_file');
    assert.deepEqual(item.approval.receipt.statement.action.params, { path, content: 'approved content' });
    const result = (await call) as CallToolResult;
    assert.equal(result.isError ?? false, false, textOf(result));
    assert.equal(readFileSync(path, 'utf8'), 'approved content');
    assert.ok(
      progress.some((m) => m.includes(item.approval.id)),
      `progress named the approval: ${progress.join(' | ')}`,
    );
  });

  test("a denied write leaves no file and returns the approver's reason", async () => {
    const path = join(s.dir, 'denied.txt');
    const decided = s.world.decideNext(
      'deny',
      'not on a Friday',
      (item) => item.approval.receipt.statement.action.params.path === path,
    );
    const result = (await s.gw.client.callTool({
      name: 'write_file',
      arguments: { path, content: 'nope' },
    })) as CallToolResult;
    await decided;
    assert.equal(result.isError, true);
    assert.match(textOf(result), /denied this action: not on a Friday/);
    assert.equal(gateMeta(result).approverReason, 'not on a Friday');
    assert.equal(existsSync(path), false);
  });
});

describe('heso mcp: long waits resume the same approval', () => {
  const s = gatewaySuite({
    downstream: (dir) => [FILESYSTEM_SERVER, dir],
    args: (dir) => {
      // write_file shows the approver the path only; the content is bound by argumentsHash.
      const config = join(dir, 'heso-mcp.json');
      writeFileSync(
        config,
        JSON.stringify({ server: 'filesystem', tools: { write_file: { params: { pick: ['path'] } } } }),
      );
      return ['--config', config, '--wait', '0'];
    },
  });

  test('pending after the wait: code, approval id and expiry; the same call again resumes it, not a new one', async () => {
    const path = join(s.dir, 'later.txt');
    const args = { path, content: 'written later' };
    const first = (await s.gw.client.callTool({ name: 'write_file', arguments: args })) as CallToolResult;
    assert.equal(first.isError, true);
    const meta = gateMeta(first);
    assert.equal(meta.outcome, 'pending');
    assert.match(String(meta.approvalId), /^apr_/);
    assert.match(String(meta.shortCode), /^[0-9A-Z]{3}-[0-9A-Z]{3}$/);
    assert.ok(Date.parse(String(meta.expiresAt)) > Date.now());
    assert.match(textOf(first), new RegExp(`${meta.approvalId}.*expires`));
    assert.equal(existsSync(path), false);

    // Other arguments are another action: a new approval, not this one.
    const other = (await s.gw.client.callTool({
      name: 'write_file',
      arguments: { ...args, content: 'other' },
    })) as CallToolResult;
    assert.notEqual(gateMeta(other).approvalId, meta.approvalId);

    const approval = await s.world.team.client.getApproval(s.world.team.teamId, String(meta.approvalId));
    assert.deepEqual(Object.keys(approval.receipt.statement.action.params).sort(), ['argumentsHash', 'path']);
    await s.world.approver.decide(approval, 'approve');
    const again = (await s.gw.client.callTool({ name: 'write_file', arguments: args })) as CallToolResult;
    assert.equal(again.isError ?? false, false, textOf(again));
    assert.equal(readFileSync(path, 'utf8'), 'written later');
    const left = await s.world.team.client.listPending(s.world.team.teamId);
    assert.deepEqual(
      left.approvals.map((a) => a.id),
      [gateMeta(other).approvalId],
      'the resumed call opened no second approval; only the "other" call still waits',
    );
  });
});

describe('heso mcp behind a hostile control plane', () => {
  const s = gatewaySuite({
    downstream: (dir) => [FILESYSTEM_SERVER, dir],
    args: () => ['--name', 'filesystem', '--wait', '2'],
    hostile: true,
  });

  /** The proxy answers every poll of a pending approval with `forge(approval)` instead. */
  function forgePolls(forge: (approval: Approval) => Approval): () => void {
    return s.proxy!.rewrite((req, res) => {
      if (req.method !== 'GET' || !/\/approvals\/apr_[0-9a-f]+$/.test(req.path) || res.status !== 200) return res;
      const approval = res.body as Approval;
      return approval.status === 'pending' ? { ...res, body: forge(approval) } : res;
    });
  }

  test('a co-signature from a key the operator never pinned is refused and nothing is written', async () => {
    const intruder = generateKeyPair();
    const stop = forgePolls((approval) => ({
      ...approval,
      status: 'approved',
      cosignature: buildCosignature({ approval, decision: 'approve' }, intruder.secretKey),
    }));
    try {
      const path = join(s.dir, 'intruder.txt');
      const result = (await s.gw.client.callTool({
        name: 'write_file',
        arguments: { path, content: 'pwned' },
      })) as CallToolResult;
      assert.equal(result.isError, true);
      assert.equal(gateMeta(result).outcome, 'cosignature_rejected');
      assert.match(textOf(result), /did not verify/);
      assert.equal(existsSync(path), false);
    } finally {
      stop();
    }
  });

  test('a real active approver that is not pinned here cannot approve', async () => {
    const stop = forgePolls((approval) => ({
      ...approval,
      status: 'approved',
      cosignature: buildCosignature({ approval, decision: 'approve' }, s.world.stranger.secretKey),
    }));
    try {
      const path = join(s.dir, 'stranger.txt');
      const result = (await s.gw.client.callTool({
        name: 'write_file',
        arguments: { path, content: 'x' },
      })) as CallToolResult;
      assert.equal(gateMeta(result).outcome, 'cosignature_rejected');
      assert.equal(existsSync(path), false);
    } finally {
      stop();
    }
  });

  test("a pinned approver's co-signature over other arguments is refused and nothing is written", async () => {
    const stop = forgePolls((approval) => {
      const st = approval.receipt.statement;
      const otherReceipt = buildReceipt(
        {
          teamId: st.teamId,
          action: { ...st.action, params: { ...st.action.params, content: 'other content' } },
          verdict: 'suspend',
          policy: st.policy,
        },
        generateKeyPair().secretKey,
      );
      const other = { ...approval, receipt: otherReceipt };
      return {
        ...approval,
        status: 'approved',
        cosignature: buildCosignature({ approval: other, decision: 'approve' }, s.world.approver.secretKey),
      };
    });
    try {
      const path = join(s.dir, 'swapped.txt');
      const result = (await s.gw.client.callTool({
        name: 'write_file',
        arguments: { path, content: 'asked for' },
      })) as CallToolResult;
      assert.equal(gateMeta(result).outcome, 'cosignature_rejected');
      assert.equal(existsSync(path), false);
    } finally {
      stop();
    }
  });
});
