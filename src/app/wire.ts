/**
 * The contract's channel names as plain runtime values, for the two bridges (Electron
 * preload and browser web bridge). They import only this file and types, so the sandboxed
 * preload bundle stays tiny (no zod). The `Record<Channel, true>` types make tsc fail when
 * this list and `contract.ts` drift apart in either direction.
 */
import type { EventChannel, InvokeChannel } from './contract.ts';

/**
 * Prefix of every IPC channel name on the wire, so nothing else can collide with ours. Defined
 * here (the contract re-exports it) so that the preload bundle gets it without zod.
 */
export const CHANNEL_PREFIX = 'heso:';

const INVOKE: Record<InvokeChannel, true> = {
  'app:info': true,
  'profiles:list': true,
  'profiles:init': true,
  'profiles:refresh': true,
  'profiles:rotateKey': true,
  'profiles:replaceApiKey': true,
  'profiles:remove': true,
  'queue:start': true,
  'queue:snapshot': true,
  'approval:get': true,
  'approval:decide': true,
  'approval:withdraw': true,
  'approval:rule': true,
  'operators:list': true,
  'operators:trustItem': true,
  'history:get': true,
  'settings:get': true,
  'settings:set': true,
};

const EVENTS: Record<EventChannel, true> = {
  queue: true,
  connection: true,
  navigate: true,
  settled: true,
};

export const INVOKE_CHANNEL_NAMES: readonly InvokeChannel[] = Object.freeze(Object.keys(INVOKE) as InvokeChannel[]);
export const EVENT_CHANNEL_NAMES: readonly EventChannel[] = Object.freeze(Object.keys(EVENTS) as EventChannel[]);

export function isInvokeChannel(name: unknown): name is InvokeChannel {
  return typeof name === 'string' && Object.hasOwn(INVOKE, name);
}

export function isEventChannel(name: unknown): name is EventChannel {
  return typeof name === 'string' && Object.hasOwn(EVENTS, name);
}

/**
 * What every transport (Electron IPC, loopback HTTP) returns for an invoke: a plain JSON
 * envelope, so an error crosses the boundary as `{ code, message }` and never as a thrown
 * object with a stack. The bridges unwrap it into a resolved value or a rejected Error.
 */
export type InvokeEnvelope = { ok: true; value: unknown } | { ok: false; error: SafeError };

export interface SafeError {
  /** Stable machine-readable code, e.g. `bad_request`, `keychain_unavailable`, `internal`. */
  code: string;
  /** Says what happened and what to do; safe to show; never a stack, never a secret. */
  message: string;
  /** Dotted path of the offending argument field, when one is to blame. */
  field?: string;
}

/** The Error a bridge rejects with. `code` and `field` let the UI react without parsing text. */
export class BridgeError extends Error {
  override name = 'BridgeError';
  readonly code: string;
  readonly field: string | undefined;
  constructor(error: SafeError) {
    super(error.message);
    this.code = error.code;
    this.field = error.field;
  }
}

export function unwrapEnvelope(envelope: unknown): unknown {
  if (typeof envelope === 'object' && envelope !== null && 'ok' in envelope) {
    const e = envelope as InvokeEnvelope;
    if (e.ok === true) return e.value;
    if (e.ok === false && typeof e.error?.message === 'string') throw new BridgeError(e.error);
  }
  throw new BridgeError({ code: 'bad_response', message: 'The approver service sent an unreadable answer.' });
}
