/** Shared setup for SDK tests: a team on a real control plane, an operator data dir, a test approver. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlPlaneClient } from '../../src/client/index.ts';
import type { Approval } from '../../src/core/api.ts';
import { b64url, buildCosignature, generateKeyPair, keyIdOf } from '../../src/core/index.ts';
import type { Decision, PolicyDocument } from '../../src/core/schemas.ts';
import { initDataDir } from '../../src/sdk/index.ts';
import type { CloudHandle } from '../support/cloud.ts';

export const TEST_POLICY: PolicyDocument = {
  version: 'sdk-test-1',
  defaultVerdict: 'allow',
  rules: [
    { id: 'no-prod-deletes', verdict: 'block', match: { tool: 'db.delete', account: 'prod-*' } },
    { id: 'big-refunds', verdict: 'suspend', match: { tool: 'payments.refund' }, when: ['amount > 100'] },
  ],
};

export function tempDir(prefix = 'heso-sdk-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestTeam {
  teamId: string;
  apiKey: string;
  /** An approver-side client (the approver app would use the same one). */
  client: ControlPlaneClient;
}

export async function makeTeam(cloud: CloudHandle, policy: PolicyDocument = TEST_POLICY): Promise<TestTeam> {
  const teamId = await cloud.admin.createTeam('SDK test team');
  const apiKey = await cloud.admin.createApiKey(teamId);
  await cloud.admin.setPolicy(teamId, policy);
  return { teamId, apiKey, client: new ControlPlaneClient({ endpoint: cloud.url, apiKey }) };
}

export interface TestApprover {
  publicKey: string;
  keyId: string;
  secretKey: Uint8Array;
  /** Co-sign a decision over this approval and post it to the control plane. */
  decide(approval: Approval, decision: Decision, reason?: string): Promise<Approval>;
}

/** An approver key enrolled with the team and activated by the admin. */
export async function makeApprover(cloud: CloudHandle, team: TestTeam, name = 'Test approver'): Promise<TestApprover> {
  const pair = generateKeyPair();
  const publicKey = b64url.encode(pair.publicKey);
  await team.client.enrolApprover(team.teamId, { publicKey, name });
  await cloud.admin.activateApprover(team.teamId, keyIdOf(publicKey));
  return {
    publicKey,
    keyId: keyIdOf(publicKey),
    secretKey: pair.secretKey,
    decide: (approval, decision, reason) =>
      team.client.decide(
        team.teamId,
        approval.id,
        buildCosignature({ approval, decision, ...(reason ? { reason } : {}) }, pair.secretKey),
      ),
  };
}

/** A fresh operator data dir (heso init without touching any .gitignore). */
export function makeDataDir(): { dataDir: string; cleanup: () => void } {
  const t = tempDir();
  const dataDir = join(t.dir, '.heso');
  initDataDir(dataDir, { gitignore: false });
  return { dataDir, cleanup: t.cleanup };
}
