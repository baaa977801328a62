/**
 * The one IPC contract between the approver UI (renderer) and the privileged side
 * (Electron main process, or the loopback web host when no Electron binary exists).
 *
 * Each invoke channel maps to a zod schema for its argument (validated on the privileged
 * side before any handler runs) and a TypeScript result type. Each event channel maps to its
 * payload type. The preload bridge and the web bridge are both derived from this file, so
 * the renderer sees one API, `window.heso`, whichever shell hosts it.
 *
 * Nothing here can carry private key material: results are engine view types.
 */
import { z } from 'zod';
import type {
  ConnectionState,
  DecisionOutcome,
  HistoryView,
  PendingItem,
  ProfileView,
  QueueSnapshot,
  RuleView,
  TrustedOperatorView,
  WithdrawOutcome,
} from '../approver/api.ts';
import { ApiKey, DecideFields, InitProfileInput, TrustItemOperatorInput, withDecideRules } from '../approver/inputs.ts';
import { Id } from '../core/schemas.ts';

export const Settings = z.strictObject({
  notifications: z.boolean(),
  launchAtLogin: z.boolean(),
  closeToTray: z.boolean(),
});
export type Settings = z.infer<typeof Settings>;

export interface AppInfo {
  version: string;
  platform: string;
  /** `electron` in the desktop app; `browser` when served by the loopback web host. */
  shell: 'electron' | 'browser';
}

/** A channel that names an existing profile. */
const NamedProfile = z.strictObject({ name: Id });

/** Invoke channels: argument schema + result type. */
export const invokeContract = {
  'app:info': { args: z.null(), result: {} as AppInfo },
  'profiles:list': { args: z.null(), result: [] as ProfileView[] },
  /** The engine's own input schema: the profile name defaults to the team id. */
  'profiles:init': { args: InitProfileInput, result: {} as ProfileView },
  'profiles:refresh': { args: NamedProfile, result: {} as ProfileView },
  'profiles:rotateKey': { args: NamedProfile, result: {} as ProfileView },
  'profiles:replaceApiKey': { args: z.strictObject({ name: Id, apiKey: ApiKey }), result: {} as ProfileView },
  'profiles:remove': { args: NamedProfile, result: null },
  'queue:start': { args: NamedProfile, result: null },
  'queue:snapshot': { args: z.null(), result: {} as QueueSnapshot },
  'approval:get': { args: z.strictObject({ approvalId: Id }), result: null as PendingItem | null },
  /**
   * The engine's decision rules, over what the UI sends: `reviewed` is `reviewedOf(item)` of the
   * item on screen when the dialog opened (required to approve: the engine signs only an exact
   * match). The dispatcher adds `returnWhenQueued`; the profile is the one being followed.
   */
  'approval:decide': {
    args: withDecideRules(DecideFields.pick({ approvalId: true, decision: true, reason: true, reviewed: true })),
    result: {} as DecisionOutcome,
  },
  /** Takes back a decision that is signed but still waiting for the network (`queued`), if it is not being sent. */
  'approval:withdraw': { args: z.strictObject({ approvalId: Id }), result: {} as WithdrawOutcome },
  'operators:list': { args: z.strictObject({ name: Id.optional() }), result: [] as TrustedOperatorView[] },
  /**
   * Trusts the operator key that signed a shown item, for its workflow. `fingerprint` is the one the
   * person compared (shown next to the button): the engine refuses if it is not the item's key.
   */
  'operators:trustItem': {
    args: TrustItemOperatorInput.pick({ approvalId: true, fingerprint: true }),
    result: {} as PendingItem,
  },
  /** The rule that suspended a pending approval, as the control plane's policy of the receipt's version has it. */
  'approval:rule': { args: z.strictObject({ approvalId: Id }), result: {} as RuleView },
  'history:get': { args: z.strictObject({ name: Id.optional() }), result: {} as HistoryView },
  'settings:get': { args: z.null(), result: {} as Settings },
  'settings:set': { args: Settings.partial().strict(), result: {} as Settings },
} as const;

export type InvokeChannel = keyof typeof invokeContract;
export type InvokeArgs<C extends InvokeChannel> = z.input<(typeof invokeContract)[C]['args']>;
export type InvokeResult<C extends InvokeChannel> = (typeof invokeContract)[C]['result'];
export const invokeChannels = Object.keys(invokeContract) as InvokeChannel[];

/** Event channels (privileged side → renderer) and their payloads. */
export interface EventContract {
  queue: QueueSnapshot;
  connection: ConnectionState;
  /** Open this approval's detail (e.g. a notification was clicked). Never approves. */
  navigate: { approvalId: string };
  /** A decision answered as `queued` reached its final outcome (sent and accepted, expired, withdrawn…). */
  settled: { approvalId: string; outcome: DecisionOutcome };
}
export type EventChannel = keyof EventContract;
export const eventChannels: EventChannel[] = ['queue', 'connection', 'navigate', 'settled'];

/** Prefix of every IPC channel name on the wire (defined in wire.ts, which the preload bundle imports without zod). */
export { CHANNEL_PREFIX } from './wire.ts';

/**
 * The API the renderer sees as `window.heso`: namespaced, narrow, derived from the contract.
 * `invoke` rejects with an Error whose message is safe to show.
 */
export interface HesoBridge {
  invoke<C extends InvokeChannel>(channel: C, args: InvokeArgs<C>): Promise<InvokeResult<C>>;
  /** Subscribes to an event; returns the unsubscribe function. The payload only, never an event object. */
  on<E extends EventChannel>(event: E, listener: (payload: EventContract[E]) => void): () => void;
}

declare global {
  interface Window {
    heso?: HesoBridge;
  }
}
