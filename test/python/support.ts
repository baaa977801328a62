/**
 * Running the Python SDK from the Node tests: its verifier in batch (python/tests/verify_batch.py),
 * its CLI, and its unittest suite. Python comes from the system (Debian python3 + python3-cryptography).
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { ControlPlaneClient } from '../../src/client/index.ts';
import type { Approval } from '../../src/core/api.ts';
import type { VerifyResult } from '../../src/core/index.ts';

export const root = new URL('../../', import.meta.url).pathname;
export const pythonDir = `${root}python`;

export interface PyCase {
  receipt: unknown;
  trust: unknown;
  expect?: { approvalId?: string; challenge?: string; expiresAt?: string };
  now?: string;
  requireUnexpired?: boolean;
}

export function runPython(args: string[], input = '', env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync('python3', args, {
    cwd: pythonDir,
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, PYTHONPATH: pythonDir, PYTHONDONTWRITEBYTECODE: '1', ...env },
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function batch(mode: string[], input: unknown): unknown {
  const r = runPython(['tests/verify_batch.py', ...mode], JSON.stringify(input));
  if (r.status !== 0) throw new Error(`python verify_batch failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

export const pyVerify = (cases: PyCase[]) => batch([], cases) as VerifyResult[];
export const pySign = (items: unknown[]) => batch(['sign'], items) as unknown[];

/** What must agree between the two verifiers: everything but the wording of messages. */
export function comparable(result: VerifyResult) {
  return {
    ok: result.ok,
    valid: result.valid,
    verdict: result.verdict,
    claimedVerdict: result.claimedVerdict,
    operatorKeyId: result.operatorKeyId,
    approverKeyId: result.approverKeyId,
    decision: result.decision,
    // How far a quorum receipt's counted co-signatures go (null for any other receipt).
    quorum: result.quorum,
    // A set: zod may report one bad field twice (pattern and refinement), the spec does not count them.
    reasons: [...new Set(result.reasons.map((r) => `${r.code}@${r.field ?? ''}`))].sort(),
  };
}

/** What python/tests/agent.py printed: the calls that ran, and why one was stopped. */
export interface AgentOutcome {
  ran: string[];
  blocked?: string;
  codes?: string[];
}

/**
 * Runs python/tests/agent.py in the background (engine: this checkout's `heso`); resolves to its
 * JSON line when it exits. `env` names the project (HESO_PROJECT_ROOT), control plane and trust.
 */
export function runAgent(args: string[], env: NodeJS.ProcessEnv): Promise<AgentOutcome> {
  const child = spawn('python3', ['tests/agent.py', ...args], {
    cwd: pythonDir,
    env: {
      ...process.env,
      PYTHONDONTWRITEBYTECODE: '1',
      HESO_BIN: `${process.execPath} ${join(root, 'bin/heso.mjs')}`,
      ...env,
    },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as AgentOutcome) : reject(new Error(`agent exit ${code}: ${err}`)),
    ),
  );
}

/** The team's next pending approval, long-polled from the last cursor (no cursor would spin into 429s). */
export async function nextPendingApproval(client: ControlPlaneClient, teamId: string): Promise<Approval> {
  let cursor: string | undefined;
  for (;;) {
    const res = await client.listPending(teamId, { waitSeconds: 5, ...(cursor ? { cursor } : {}) });
    if (res.approvals[0]) return res.approvals[0];
    cursor = res.cursor;
  }
}
