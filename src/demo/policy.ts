/**
 * The demo team policy (src/demo/policy.json): refunds, emails, deploys, database deletes
 * and data exports, some allowed, some blocked, some suspended for approval. The app's
 * `npm run demo` installs it with the cloud admin; the demo agent runs against it.
 */
import { readFileSync } from 'node:fs';
import type { PolicyDocument } from '../core/schemas.ts';
import { formatPolicyIssues, validatePolicy } from '../policy/index.ts';

/** A fresh, validated copy of the demo policy. */
export function demoPolicy(): PolicyDocument {
  const raw: unknown = JSON.parse(readFileSync(new URL('./policy.json', import.meta.url), 'utf8'));
  const result = validatePolicy(raw);
  if (!result.ok) throw new Error(`src/demo/policy.json is not a valid policy:\n${formatPolicyIssues(result.issues)}`);
  return result.policy;
}
