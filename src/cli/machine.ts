/**
 * `heso machine`: the engine's machine interface for SDKs in other languages (the Python SDK).
 *
 * Reads one JSON request on stdin, writes one JSON answer on stdout, so the policy language
 * and receipt signing have exactly one implementation. Request:
 *   {"op": "sign", "teamId", "input": {tool, params, account?, workflow?, summary?},
 *    "account"?, "workflow"?, "policy": PolicyDocument | PolicyBundle, "dataDir"?, "clock"?}
 * Answer: {"ok": true, "action", "verdict", "policy": {version, ruleId}, "receipt"} or
 * {"ok": false, "error": {"code", "message"}}. Exit 0 on success, 1 on a refused request.
 */
import { z } from 'zod';
import {
  Id,
  JsonObjectSchema,
  PolicyBundle,
  PolicyDocument,
  parseJsonText,
  parseWith,
  Timestamp,
} from '../core/index.ts';
import { compilePolicy, evaluate } from '../policy/index.ts';
import { loadOperatorKey } from '../sdk/data-dir.ts';
import { capture, sign } from '../sdk/local.ts';

const MachineRequest = z.strictObject({
  op: z.literal('sign'),
  teamId: Id,
  input: z.strictObject({
    tool: z.string(),
    params: JsonObjectSchema,
    account: z.string().optional(),
    workflow: z.string().optional(),
    summary: z.string().optional(),
  }),
  account: Id.optional(),
  workflow: Id.optional(),
  /** The policy to evaluate against: a document, or a bundle the SDK pulled. */
  policy: z.union([PolicyDocument, PolicyBundle]),
  dataDir: z.string().min(1).max(4096).optional(),
  /** Fixed capture and issue time (HESO_CLOCK), for deterministic receipts. */
  clock: Timestamp.optional(),
});

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function answer(body: unknown): void {
  process.stdout.write(`${JSON.stringify(body)}\n`);
}

export async function runMachine(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write('usage: heso machine < REQUEST.json   (JSON in, JSON out; see src/cli/machine.ts)\n');
    return 0;
  }
  try {
    const req = parseWith(MachineRequest, parseJsonText(await readStdin(), 'request'), 'request');
    const policy = compilePolicy(req.policy);
    const clock = req.clock ? () => new Date(req.clock!) : undefined;
    const action = capture(req.input, {
      ...(req.account ? { account: req.account } : {}),
      ...(req.workflow ? { workflow: req.workflow } : {}),
      ...(clock ? { clock } : {}),
    });
    const evaluation = evaluate(action, policy);
    const key = loadOperatorKey(req.dataDir);
    const receipt = sign(action, evaluation, {
      teamId: req.teamId,
      secretKey: key.secretKey,
      ...(clock ? { clock } : {}),
    });
    answer({ ok: true, action, verdict: evaluation.verdict, policy: evaluation.policy, receipt });
    return 0;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    answer({
      ok: false,
      error: {
        code: typeof code === 'string' ? code : 'invalid_request',
        message: err instanceof Error ? err.message : String(err),
      },
    });
    return 1;
  }
}
