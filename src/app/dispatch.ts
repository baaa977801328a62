/**
 * The transport-independent router behind the IPC boundary. Electron's `ipcMain` wrapper and
 * the loopback web host both hand it `(channel, raw args)`; it refuses unknown channels,
 * validates the args with the contract's zod schema (a refusal names the field), calls the
 * engine, and returns a plain JSON envelope. It never throws and never lets a stack trace or
 * a secret cross the boundary.
 */
import type { ApproverEngineApi } from '../approver/api.ts';
import {
  type AppInfo,
  type EventChannel,
  type EventContract,
  type InvokeChannel,
  type InvokeResult,
  invokeContract,
  type Settings,
} from './contract.ts';
import { fromZodError, toSafeError } from './safe-error.ts';
import { INVOKE_CHANNEL_NAMES, type InvokeEnvelope, isInvokeChannel } from './wire.ts';

/** The part of the settings store the dispatcher needs (see SettingsStore). */
export interface SettingsPort {
  get(): Settings;
  update(patch: Partial<Settings>): Promise<Settings>;
}

export interface DispatcherDeps {
  settings: SettingsPort;
  appInfo: AppInfo;
}

export type EventSink = <E extends EventChannel>(event: E, payload: EventContract[E]) => void;

export interface Dispatcher {
  readonly channels: readonly InvokeChannel[];
  /** Never throws: a refusal or failure comes back as `{ ok: false, error: { code, message } }`. */
  dispatch(channel: string, rawArgs: unknown): Promise<InvokeEnvelope>;
  /** Forwards the engine's renderer-facing events (`queue`, `connection`, `settled`) to `sink`; returns unsubscribe. */
  subscribe(sink: EventSink): () => void;
}

type Handlers = {
  [C in InvokeChannel]: (args: ParsedArgs<C>) => Promise<InvokeResult<C>>;
};
type ParsedArgs<C extends InvokeChannel> = ReturnType<(typeof invokeContract)[C]['args']['parse']>;

/** Arg fields that hold secrets: redacted from any message produced while handling the call. */
function secretsIn(args: unknown): string[] {
  if (typeof args === 'object' && args !== null && 'apiKey' in args) {
    const key = (args as { apiKey: unknown }).apiKey;
    if (typeof key === 'string') return [key];
  }
  return [];
}

/** A renderer-supplied name, made safe to echo back. */
function printable(name: unknown): string {
  return String(name)
    .replace(/[^A-Za-z0-9:._-]/g, '?')
    .slice(0, 80);
}

export function createDispatcher(engine: ApproverEngineApi, deps: DispatcherDeps): Dispatcher {
  const handlers: Handlers = {
    'app:info': async () => ({ ...deps.appInfo }),
    'profiles:list': () => engine.listProfiles(),
    'profiles:init': (a) =>
      engine.initProfile({
        endpoint: a.endpoint,
        teamId: a.teamId,
        apiKey: a.apiKey,
        displayName: a.displayName,
        ...(a.profileName === undefined ? {} : { profileName: a.profileName }),
      }),
    'profiles:refresh': (a) => engine.refreshKeyStatus(a.name),
    'profiles:rotateKey': (a) => engine.rotateKey(a.name),
    'profiles:replaceApiKey': (a) => engine.replaceApiKey(a.name, a.apiKey),
    'profiles:remove': async (a) => {
      await engine.removeProfile(a.name);
      return null;
    },
    'queue:start': async (a) => {
      await engine.start(a.name);
      return null;
    },
    'queue:snapshot': async () => engine.snapshot(),
    'approval:get': async (a) => engine.getItem(a.approvalId) ?? null,
    'approval:decide': (a) =>
      engine.decide({
        approvalId: a.approvalId,
        decision: a.decision,
        ...(a.reason === undefined ? {} : { reason: a.reason }),
        ...(a.reviewed === undefined ? {} : { reviewed: a.reviewed }),
        // The app shows "signed, waiting to send" (and offers withdraw) instead of a spinner that cannot be stopped.
        returnWhenQueued: true,
      }),
    'approval:withdraw': (a) => engine.withdrawDecision(a.approvalId),
    'operators:list': (a) => engine.listTrustedOperators(a.name),
    'operators:trustItem': (a) => engine.trustItemOperator({ approvalId: a.approvalId, fingerprint: a.fingerprint }),
    'approval:rule': (a) => engine.ruleFor(a.approvalId),
    'history:get': (a) => engine.history(a.name),
    'settings:get': async () => deps.settings.get(),
    'settings:set': (a) => deps.settings.update(a),
  };

  async function run<C extends InvokeChannel>(channel: C, rawArgs: unknown): Promise<InvokeEnvelope> {
    const parsed = invokeContract[channel].args.safeParse(rawArgs === undefined ? null : rawArgs);
    if (!parsed.success) return { ok: false, error: fromZodError(parsed.error, channel) };
    try {
      const value = await handlers[channel](parsed.data as ParsedArgs<C>);
      // Round-trip through JSON: what crosses the boundary is plain data, whatever the engine returned.
      return { ok: true, value: value === undefined ? null : JSON.parse(JSON.stringify(value)) };
    } catch (err) {
      return { ok: false, error: toSafeError(err, secretsIn(rawArgs)) };
    }
  }

  return {
    channels: INVOKE_CHANNEL_NAMES,
    async dispatch(channel, rawArgs) {
      if (!isInvokeChannel(channel)) {
        return {
          ok: false,
          error: { code: 'unknown_channel', message: `Unknown request "${printable(channel)}".` },
        };
      }
      return run(channel, rawArgs);
    },
    subscribe(sink) {
      const offs = [
        engine.on('queue', (s) => sink('queue', s)),
        engine.on('connection', (c) => sink('connection', c)),
        engine.on('settled', (d) => sink('settled', d)),
      ];
      return () => {
        for (const off of offs) off();
      };
    },
  };
}
