/**
 * The rule that suspended an approval, as the control plane's policy describes it, for the
 * app's "Why it needs you". The receipt names the policy version and rule id (signed by the
 * operator); the control plane serves only its current policy, so the rule is shown only when
 * that policy is the version the receipt names, and the UI says the text comes from the
 * control plane. Whether each condition holds is computed on the device from the signed params.
 */
import type { ControlPlaneClient } from '../client/index.ts';
import type { PolicyRule } from '../core/schemas.ts';
import type { PendingItem, RuleView } from './api.ts';

export async function ruleViewOf(item: PendingItem, teamId: string, client: ControlPlaneClient): Promise<RuleView> {
  const { version, ruleId } = item.approval.receipt.statement.policy;
  const base = { version, ruleId };
  if (ruleId === null)
    return { ...base, rule: null, problem: "No rule matched: the policy's default verdict applied." };
  let bundle: Awaited<ReturnType<ControlPlaneClient['getPolicy']>>;
  try {
    bundle = await client.getPolicy(teamId);
  } catch (err) {
    return { ...base, rule: null, problem: `The policy could not be fetched: ${(err as Error).message}` };
  }
  if (bundle.teamId !== teamId) {
    return {
      ...base,
      rule: null,
      problem: `The control plane answered with another team's policy (${bundle.teamId}).`,
    };
  }
  if (bundle.version !== version) {
    return {
      ...base,
      rule: null,
      problem: `The control plane's current policy is version ${bundle.version}, not ${version} named in the request, so the rule's text cannot be shown.`,
    };
  }
  const rule: PolicyRule | undefined = bundle.rules.find((r) => r.id === ruleId);
  if (!rule) return { ...base, rule: null, problem: `Policy version ${version} has no rule "${ruleId}".` };
  return { ...base, rule, problem: null };
}
