/**
 * `heso mcp` in front of the real `@modelcontextprotocol/server-everything`: varied tool
 * schemas, annotations, structured output, resources and prompts pass through as the server
 * offers them; downstream progress reaches the client; cancelling works; the API key is
 * withheld from the downstream server; and the downstream server dying mid-call is an error
 * result, not a hang.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { type CallToolResult, CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { EVERYTHING_SERVER, gatewaySuite } from './helpers.ts';

const LONG = 'ev_trigger-long-running-operation';

function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

describe('heso mcp in front of the real everything server', () => {
  // No --name: the server name comes from the command (…/server-everything/… → everything).
  const s = gatewaySuite({ downstream: () => [EVERYTHING_SERVER], args: () => ['--prefix', 'ev_', '--wait', '20'] });
  let direct: Client;

  before(async () => {
    direct = new Client({ name: 'direct', version: '1' });
    await direct.connect(
      new StdioClientTransport({ command: process.execPath, args: [EVERYTHING_SERVER], stderr: 'ignore' }),
    );
  });
  after(async () => {
    await direct?.close();
  });

  test('every tool passes through, prefixed, with its schemas, title and annotations unchanged', async () => {
    const [through, original] = await Promise.all([s.gw.client.listTools(), direct.listTools()]);
    assert.ok(original.tools.length >= 8, 'the everything server offers a varied set');
    assert.deepEqual(
      through.tools,
      original.tools.map((t) => ({ ...t, name: `ev_${t.name}` })),
    );
    assert.ok(
      original.tools.some((t) => t.outputSchema),
      'some tools have an output schema',
    );
  });

  test('structured output and resources/prompts pass through untouched', async () => {
    const result = (await s.gw.client.callTool({
      name: 'ev_get-structured-content',
      arguments: { location: 'Chicago' },
    })) as CallToolResult;
    assert.equal(result.isError ?? false, false, textOf(result));
    assert.equal(typeof (result.structuredContent as { temperature?: unknown }).temperature, 'number');
    assert.deepEqual(await s.gw.client.listResources(), await direct.listResources());
    assert.deepEqual(await s.gw.client.listPrompts(), await direct.listPrompts());
    const [first] = (await direct.listResources()).resources;
    assert.ok(first);
    assert.deepEqual(await s.gw.client.readResource({ uri: first.uri }), await direct.readResource({ uri: first.uri }));
  });

  test('the HESO API key is not handed to the downstream server', async () => {
    const result = (await s.gw.client.callTool({ name: 'ev_get-env', arguments: {} })) as CallToolResult;
    const env = JSON.parse(textOf(result)) as Record<string, string>;
    assert.equal(env.HESO_TEAM, s.world.team.teamId, 'the rest of the environment is passed');
    assert.equal(env.HESO_API_KEY, undefined);
    assert.ok(!textOf(result).includes(s.world.team.apiKey));
  });

  test('an allowed call relays the downstream progress notifications', async () => {
    const seen: { progress: number; total?: number }[] = [];
    const result = (await s.gw.client.callTool(
      { name: LONG, arguments: { duration: 1.5, steps: 3 } },
      CallToolResultSchema,
      { onprogress: (p) => seen.push(p) },
    )) as CallToolResult;
    assert.equal(result.isError ?? false, false, textOf(result));
    // The last step's notification travels right before the result: the SDK (on either side)
    // may drop it when both arrive in one read, so only the earlier steps are certain.
    assert.deepEqual(
      seen.slice(0, 2).map((p) => [p.progress, p.total]),
      [
        [1, 3],
        [2, 3],
      ],
    );
  });

  test('cancelling a call waiting for approval stops it; the gateway keeps serving', async () => {
    const controller = new AbortController();
    let waitingSeen = false;
    const call = s.gw.client.callTool({ name: LONG, arguments: { duration: 6, steps: 1 } }, CallToolResultSchema, {
      signal: controller.signal,
      onprogress: (p) => {
        if (/waiting for a HESO approver/.test(p.message ?? '')) {
          waitingSeen = true;
          controller.abort('changed my mind');
        }
      },
    });
    await assert.rejects(call);
    assert.ok(waitingSeen, 'progress said it was waiting for an approver');
    const after = (await s.gw.client.callTool({
      name: 'ev_echo',
      arguments: { message: 'still here' },
    })) as CallToolResult;
    assert.match(textOf(after), /still here/);
  });

  test('the downstream server dying mid-call is an error result, not a hang', async () => {
    const pid = Number(/started \(pid (\d+)\)/.exec(s.gw.stderr())?.[1]);
    assert.ok(pid > 0, `the gateway logged the downstream pid: ${s.gw.stderr()}`);
    const result = (await s.gw.client.callTool(
      { name: LONG, arguments: { duration: 4, steps: 4 } },
      CallToolResultSchema,
      {
        onprogress: () => process.kill(pid, 'SIGKILL'),
      },
    )) as CallToolResult;
    assert.equal(result.isError, true);
    assert.match(textOf(result), /downstream MCP server "everything" exited during the call/);
  });
});
