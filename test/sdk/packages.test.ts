/**
 * The installable packages as a user gets them: `npm pack` both, install the tarballs into a
 * fresh project outside this repository (its own node_modules; dependencies from the npm
 * registry or the local npm cache), type-check and compile the docs' TypeScript there with the
 * packages' declarations, and run it: the snippet against a real heso-cloud, and a local
 * capture → evaluate → sign → co-sign → gate round trip.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildPackages, packPackages } from '../../scripts/build-packages.mjs';
import { type CloudHandle, startCloud } from '../support/cloud.ts';
import { makeTeam, TEST_POLICY } from './helpers.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** The snippet, word for word, plus a line that prints what it got. */
const SNIPPET = `import { configure, pullPolicy } from "@hesohq/sdk"
configure(process.env.HESO_API_KEY!, process.env.HESO_ENDPOINT!)   // once, before any cloud call
const bundle = await pullPolicy("team_19")                          // PolicyBundle: version, rules, fetchedAt
console.log(JSON.stringify({ version: bundle.version, rules: bundle.rules.length, fetchedAt: bundle.fetchedAt }))
`;

/**
 * Local work only: no key from anywhere, no network. Prints the verdicts it saw. GateError comes
 * from core and assertGate from the SDK: one copy of core at run time, so instanceof holds.
 */
const ROUND_TRIP = `import { b64url, buildCosignature, generateKeyPair, attachCosignature, GateError, verifyReceipt, type Receipt } from "@hesohq/core"
import { assertGate, capture, evaluate, gate, sign, type PolicyDocument } from "@hesohq/sdk"

const policy: PolicyDocument = JSON.parse(process.env.POLICY!)
const operator = generateKeyPair()
const approver = generateKeyPair()
const trust = { approverKeys: [b64url.encode(approver.publicKey)] }

const small = capture({ tool: "payments.refund", params: { amount: 20 } }, { account: "cust-1", workflow: "support" })
const allowed = sign(small, evaluate(small, policy), { teamId: "team_local", secretKey: operator.secretKey })
assertGate(allowed, trust)

const big = capture({ tool: "payments.refund", params: { amount: 250 } }, { account: "cust-1", workflow: "support" })
const evaluation = evaluate(big, policy)
const suspended: Receipt = sign(big, evaluation, { teamId: "team_local", secretKey: operator.secretKey })
const waiting = gate(suspended, trust)

const approval = { id: "apr_local1", teamId: "team_local", challenge: b64url.encode(new Uint8Array(32).fill(7)),
  expiresAt: new Date(Date.now() + 600_000).toISOString().replace(/\\.\\d+Z$/, "Z"), receipt: suspended }
const cosigned = attachCosignature(suspended, buildCosignature({ approval, decision: "approve" }, approver.secretKey))
const approved = gate(cosigned, trust, { expect: { approvalId: approval.id, challenge: approval.challenge } })
const untrusted = verifyReceipt(cosigned, { approverKeys: [] })
const flip = (text: string) => (text[0] === "A" ? "B" : "A") + text.slice(1)
let thrown = ""
try { assertGate({ ...cosigned, signature: flip(cosigned.signature) }, trust) }
catch (error) { thrown = error instanceof GateError ? error.reasons.map((r) => r.code).join(",") : String(error) }

console.log(JSON.stringify({
  rule: evaluation.ruleId, allowed: allowed.statement.verdict, waiting: [waiting.ok, waiting.verdict],
  approved: [approved.ok, approved.verdict, approved.decision], untrusted: [untrusted.ok, untrusted.reasons.map((r) => r.code)],
  tampered: thrown,
}))
`;

const execFileAsync = promisify(execFile);

/** Runs a command without blocking this process (the control plane under test lives here). */
async function run(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const r = await execFileAsync(command, args, { cwd, env: { ...process.env, ...env }, timeout: 240_000 });
    return r.stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    assert.fail(`${command} ${args.join(' ')} failed:\n${e.stdout ?? ''}\n${e.stderr ?? String(error)}`);
  }
}

describe('@hesohq/core and @hesohq/sdk installed from their tarballs', () => {
  let project: string;
  let cloud: CloudHandle;

  before(async () => {
    await buildPackages();
    project = mkdtempSync(join(tmpdir(), 'heso-pkg-user-'));
    const tarballs = packPackages(join(project, 'tarballs'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'agent', private: true, type: 'module' }));
    const install = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs];
    await run(project, 'npm', install);
    // The user's TypeScript: strict, NodeNext, types from the packages' declarations only.
    writeFileSync(join(project, 'snippet.ts'), SNIPPET);
    writeFileSync(join(project, 'round-trip.ts'), ROUND_TRIP);
    const tsOptions = ['--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext'];
    const types = ['--types', 'node', '--typeRoots', join(REPO_ROOT, 'node_modules', '@types')];
    await run(project, process.execPath, [
      TSC,
      ...tsOptions,
      ...types,
      '--outDir',
      'out',
      'snippet.ts',
      'round-trip.ts',
    ]);
    cloud = await startCloud();
  });
  after(async () => {
    await cloud?.stop();
    if (project) rmSync(project, { recursive: true, force: true });
  });

  test('the tarballs hold built JavaScript and declarations, and core needs nothing from Node', () => {
    const listing = execFileSync('tar', ['-tzf', join(project, 'tarballs', 'hesohq-core-0.1.0.tgz')], {
      encoding: 'utf8',
    });
    assert.match(listing, /package\/dist\/index\.js/);
    assert.match(listing, /package\/dist\/types\/core\/index\.d\.ts/);
    assert.match(listing, /package\/dist\/verifier\.html/, 'the verifier page ships with core');
    const sources = listing.split('\n').filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
    assert.deepEqual(sources, [], 'built JavaScript only, no TypeScript sources');
    assert.doesNotMatch(listing, /ed25519-node/, 'the node:crypto path belongs to the SDK');
    const core = readFileSync(join(project, 'node_modules', '@hesohq', 'core', 'dist', 'index.js'), 'utf8');
    assert.doesNotMatch(core, /from\s*["']node:|require\(/);
    const sdk = readFileSync(join(project, 'node_modules', '@hesohq', 'sdk', 'dist', 'index.js'), 'utf8');
    assert.match(sdk, /from "@hesohq\/core"/, 'the SDK uses the core package, not a copy');
  });

  test('the snippet from the docs pulls the team policy from a real heso-cloud', async () => {
    const team = await makeTeam(cloud);
    // The snippet names team_19; the server gave this team another id, so the compiled snippet asks for that one.
    const source = readFileSync(join(project, 'out', 'snippet.js'), 'utf8').replace(
      '"team_19"',
      JSON.stringify(team.teamId),
    );
    writeFileSync(join(project, 'out', 'snippet-team.js'), source);
    const out = await run(project, process.execPath, ['out/snippet-team.js'], {
      HESO_API_KEY: team.apiKey,
      HESO_ENDPOINT: cloud.url,
    });
    const bundle = JSON.parse(out) as { version: string; rules: number; fetchedAt: string };
    assert.equal(bundle.version, TEST_POLICY.version);
    assert.equal(bundle.rules, TEST_POLICY.rules.length);
    assert.ok(!Number.isNaN(Date.parse(bundle.fetchedAt)));
  });

  test('capture → evaluate → sign → co-sign → gate, locally', async () => {
    const out = await run(project, process.execPath, ['out/round-trip.js'], { POLICY: JSON.stringify(TEST_POLICY) });
    assert.deepEqual(JSON.parse(out), {
      rule: 'big-refunds',
      allowed: 'allow',
      waiting: [false, 'suspend'],
      approved: [true, 'allow', 'approve'],
      untrusted: [false, ['approver_untrusted']],
      tampered: 'bad_operator_signature',
    });
  });
});
