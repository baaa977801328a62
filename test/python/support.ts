/**
 * Running the Python SDK from the Node tests: its verifier in batch (python/tests/verify_batch.py),
 * its CLI, and its unittest suite. Python comes from the system (Debian python3 + python3-cryptography).
 */
import { spawnSync } from 'node:child_process';
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
