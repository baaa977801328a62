/**
 * `heso hook claude-code`: a Claude Code `PreToolUse` command hook. Claude Code writes the
 * event as JSON on stdin and reads a decision as JSON on stdout (exit 0). Formats from the
 * Claude Code hooks reference, https://code.claude.com/docs/en/hooks (see docs/agents.md):
 *
 *   in   { session_id, transcript_path, cwd, permission_mode, hook_event_name: "PreToolUse",
 *          tool_name, tool_input, tool_use_id }
 *   out  { hookSpecificOutput: { hookEventName: "PreToolUse",
 *          permissionDecision: "allow" | "deny" | "ask", permissionDecisionReason } }
 *
 * A human approval through HESO answers `allow`; every refusal, and anything HESO could not
 * establish (no control plane, bad input, no configuration), answers `deny` with the reason:
 * fail closed. A plain policy `allow` leaves the decision to Claude Code's own permission
 * rules (no `permissionDecision`) unless `allowMode` is `allow`.
 */
import { z } from 'zod';
import type { JsonObject } from '../core/schemas.ts';
import type { ActionInput, Guard } from '../sdk/index.ts';
import { refusalOf } from './outcome.ts';
import { authorizeResumable, PendingStore } from './pending-store.ts';

/** The fields HESO uses; Claude Code sends more, which are ignored. */
export const PreToolUseInput = z.looseObject({
  hook_event_name: z.literal('PreToolUse'),
  tool_name: z.string().min(1),
  tool_input: z.record(z.string(), z.unknown()),
  cwd: z.string().optional(),
  session_id: z.string().optional(),
  tool_use_id: z.string().optional(),
});
export type PreToolUseInput = z.infer<typeof PreToolUseInput>;

export interface PreToolUseOutput {
  hookSpecificOutput: {
    hookEventName: 'PreToolUse';
    permissionDecision?: 'allow' | 'deny';
    permissionDecisionReason?: string;
  };
}

export interface HookOptions {
  /** `defer` (default): a plain policy allow leaves the call to Claude Code's own permissions. */
  allowMode: 'defer' | 'allow';
  waitMs: number;
  endpoint: string;
}

export function deny(reason: string): PreToolUseOutput {
  return {
    hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: reason },
  };
}

/** Parses the hook's stdin; a refusal reason when it is not a PreToolUse event HESO can read. */
export function parseHookInput(text: string): PreToolUseInput | string {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return 'HESO: the hook input is not JSON; failing closed: the tool call was not run';
  }
  const parsed = PreToolUseInput.safeParse(raw);
  if (!parsed.success)
    return `HESO: this hook handles PreToolUse events only and could not read this one (${parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}); failing closed`;
  return parsed.data;
}

/** The HESO action for a Claude Code tool call: `claude-code.<Tool>` with the tool input as params. */
export function hookAction(input: PreToolUseInput): ActionInput {
  return {
    tool: `claude-code.${input.tool_name.replace(/[^A-Za-z0-9._:-]/g, '_')}`,
    params: input.tool_input as JsonObject,
    summary: `Claude Code ${input.tool_name}${input.cwd ? ` in ${input.cwd}` : ''}`,
  };
}

export async function decide(guard: Guard, input: PreToolUseInput, opts: HookOptions): Promise<PreToolUseOutput> {
  try {
    // Claude retrying the same tool call after a "still pending" answer resumes that approval.
    const ctx = await authorizeResumable(guard, new PendingStore(guard.dataDir), hookAction(input), {
      timeoutMs: opts.waitMs,
    });
    if (ctx.approvalId)
      return {
        hookSpecificOutput: {
          hookEventName: 'PreToolUse',
          permissionDecision: 'allow',
          permissionDecisionReason: `HESO: approved by a pinned approver (approval ${ctx.approvalId}); the co-signature verified`,
        },
      };
    if (opts.allowMode === 'allow')
      return {
        hookSpecificOutput: {
          hookEventName: 'PreToolUse',
          permissionDecision: 'allow',
          permissionDecisionReason: `HESO: allowed by policy ${ctx.receipt.statement.policy.version}`,
        },
      };
    return { hookSpecificOutput: { hookEventName: 'PreToolUse' } };
  } catch (err) {
    const refusal = refusalOf(err, opts.endpoint);
    const hint =
      refusal.kind === 'pending'
        ? ' Once an approver has approved it, retry exactly the same tool call: it picks up this approval.'
        : '';
    return deny(refusal.message + hint);
  }
}
