/**
 * The engine's inputs, one zod schema each. The engine validates every call with them, and the
 * IPC contract (src/app/contract.ts) and the `heso-approver` CLI reuse them, so a bad input is
 * refused for the same reason, in the same words, whichever boundary it crosses first.
 *
 * Pure (zod, the core schemas and the engine's error classes; no Node APIs): the renderer may import it.
 */
import { z } from 'zod';
import { ApiKeyText, Decision, DecisionStatement, Endpoint, Id, LIMITS, Text, UnicodeString } from '../core/schemas.ts';
import { issuesOf } from '../core/validate.ts';
import { InputError } from './errors.ts';

/** Profile names double as directory names and keychain account prefixes. */
export const ProfileName = z
  .string()
  .regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/, "use 1–64 letters, digits, '.', '_' or '-', not starting with '.'");

/** A team API key as the approver takes it (it goes straight to the keychain, then into `Authorization`). */
export const ApiKey = ApiKeyText.min(8, 'looks too short to be an API key').max(512, 'is longer than 512 characters');

/** The approver's name as the team admin knows it (what enrolment sends as the approver's name). */
export const DisplayName = UnicodeString.trim()
  .min(1, 'enter your name as your team admin knows it')
  .max(
    LIMITS.approverNameLength,
    `enter your name as your team admin knows it, in at most ${LIMITS.approverNameLength} characters`,
  );

export const InitProfileInput = z.strictObject({
  endpoint: Endpoint,
  teamId: Id,
  /** Taken from an environment variable, a prompt or the onboarding form; goes straight to the keychain. */
  apiKey: ApiKey,
  displayName: DisplayName,
  /** Defaults to the team id, made a valid profile name. */
  profileName: ProfileName.optional(),
});
export type InitProfileInput = z.input<typeof InitProfileInput>;

/**
 * What the person reviewed: every field of the approval that the decision statement binds,
 * captured when the decision dialog opened. The engine signs only if the approval it is about
 * to sign carries exactly these values; anything else is a refusal, never a silent re-bind.
 * (The statement's own fields, so the two cannot drift apart.)
 */
export const ReviewedItem = DecisionStatement.pick({
  approvalId: true,
  teamId: true,
  receiptId: true,
  actionHash: true,
  operatorKeyId: true,
  policyVersion: true,
  ruleId: true,
  challenge: true,
  expiresAt: true,
});
export type ReviewedItem = z.infer<typeof ReviewedItem>;

/** Every field a decision may carry; `DecideInput` (the engine) and the IPC channel pick from it, with the same rules. */
export const DecideFields = z.strictObject({
  approvalId: Id,
  decision: Decision,
  /** Required for deny. */
  reason: Text.optional(),
  /** Profile to decide with; defaults to the profile being followed (or the only profile). */
  profile: ProfileName.optional(),
  /**
   * What the approver reviewed (see `ReviewedItem`); the UI and the CLI pass `reviewedOf(item)`
   * of the item they showed. Required to approve: the engine signs only if the approval it holds
   * and the one it fetches fresh both carry exactly these values. When given with deny, the
   * held item must match it.
   */
  reviewed: ReviewedItem.optional(),
  /**
   * Answer `queued` as soon as a signed decision's first send fails for a transient reason
   * (offline, 5xx, 429) instead of waiting until it is settled; sending continues in the
   * background, the settled outcome comes as the `settled` event, and `withdrawDecision` can
   * stop it before it is sent. The app sets it; the CLI waits.
   */
  returnWhenQueued: z.boolean().optional(),
});

/** The fields the decision rules read. */
interface DecisionParts {
  approvalId: string;
  decision: Decision;
  reason?: string | undefined;
  reviewed?: ReviewedItem | undefined;
}

/** The rules across fields of a decision, each with the field it names and what to do. */
const DECIDE_RULES: readonly { path: string[]; message: string; broken: (d: DecisionParts) => boolean }[] = [
  {
    path: ['reason'],
    message: 'a reason is required to deny',
    broken: (d) => d.decision === 'deny' && (d.reason?.trim() ?? '') === '',
  },
  {
    path: ['reviewed'],
    message: 'approve needs the approval as the person saw it (reviewedOf(item)); nothing was signed',
    broken: (d) => d.decision === 'approve' && d.reviewed === undefined,
  },
  {
    path: ['reviewed', 'approvalId'],
    message: 'is not the approval being decided; nothing was signed',
    broken: (d) => d.reviewed !== undefined && d.reviewed.approvalId !== d.approvalId,
  },
];

/** `schema` (DecideFields or a pick of it) with the decision rules: the one way a decision schema is made. */
export function withDecideRules<S extends z.ZodType<DecisionParts>>(schema: S): S {
  return schema.superRefine((d: DecisionParts, ctx) => {
    for (const rule of DECIDE_RULES) {
      if (rule.broken(d)) ctx.addIssue({ code: 'custom', message: rule.message, path: rule.path });
    }
  });
}

export const DecideInput = withDecideRules(DecideFields);
export type DecideInput = z.input<typeof DecideInput>;

export const TrustItemOperatorInput = z.strictObject({
  approvalId: Id,
  /** The fingerprint the person compared: must be the one of the key that signed this item. */
  fingerprint: z.string().min(1).max(100),
  profile: ProfileName.optional(),
});
export type TrustItemOperatorInput = z.input<typeof TrustItemOperatorInput>;

/**
 * `value` parsed with one of the schemas above, or an InputError whose message reads
 * `field: what is wrong` (the same words the IPC contract and the CLI show). `what` names a
 * bare value (e.g. `apiKey`); an object's fields name themselves.
 */
export function checkInput<S extends z.ZodType>(schema: S, value: unknown, what = ''): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const [first] = issuesOf(result.error, what);
  throw new InputError(first ? `${first.field}: ${first.message}` : 'invalid input');
}
