/**
 * `window.heso` for the browser shell: the same `HesoBridge` the Electron preload exposes,
 * carried over the loopback web host's RPC (`POST /rpc/<channel>`) and event stream
 * (`GET /events`). This is the renderer's only network path, and only to its own origin.
 *
 * The page holds no credential: the web host exchanged the one-time URL token for an
 * HttpOnly session cookie before this page loaded, and the browser sends that cookie with
 * every same-origin call. No script in the page can read or leak it.
 */

import type { EventChannel, EventContract, HesoBridge, InvokeChannel } from '../../src/app/contract.ts';
import { BridgeError, isEventChannel, isInvokeChannel, unwrapEnvelope } from '../../src/app/wire.ts';
import type { ConnectionState } from '../../src/approver/api.ts';

const MAX_BACKOFF_MS = 10_000;

type Listener = (payload: unknown) => void;

function lostContact(message: string, retryInMs: number): ConnectionState {
  return {
    kind: 'reconnecting',
    message,
    retryAt: new Date(Date.now() + retryInMs).toISOString(),
    lastSyncAt: null,
  };
}

export function createWebBridge(
  origin = window.location.origin,
  options: { signal?: AbortSignal; fetch?: typeof fetch } = {},
): HesoBridge {
  const fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const listeners = new Map<EventChannel, Set<Listener>>();
  const emit = (event: string, payload: unknown) => {
    if (!isEventChannel(event)) return;
    for (const listener of listeners.get(event) ?? []) {
      try {
        listener(payload);
      } catch (err) {
        console.error('heso bridge listener failed', err);
      }
    }
  };

  async function invoke(channel: InvokeChannel, args: unknown): Promise<unknown> {
    if (!isInvokeChannel(channel)) {
      throw new BridgeError({ code: 'unknown_channel', message: `Unknown request "${String(channel)}".` });
    }
    let response: Response;
    try {
      response = await fetch(`${origin}/rpc/${encodeURIComponent(channel)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(args === undefined ? null : args),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch {
      throw new BridgeError({
        code: 'unreachable',
        message: 'Cannot reach the local approver service. Is `npm start` still running?',
      });
    }
    if (response.status === 403) {
      throw new BridgeError({
        code: 'forbidden',
        message: 'The local approver service refused this page. Open the URL that `npm start` printed.',
      });
    }
    let envelope: unknown;
    try {
      envelope = await response.json();
    } catch {
      throw new BridgeError({ code: 'bad_response', message: 'The approver service sent an unreadable answer.' });
    }
    return unwrapEnvelope(envelope);
  }

  function dispatchFrame(frame: string): void {
    let event = 'message';
    const data: string[] = [];
    for (const line of frame.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length === 0) return;
    try {
      emit(event, JSON.parse(data.join('\n')));
    } catch {
      // A malformed frame is dropped; the next snapshot corrects the view.
    }
  }

  /** Consecutive failed or ended streams, for the backoff; reset when a stream opens. */
  let failures = 0;

  async function readStream(): Promise<'ended' | 'forbidden'> {
    const response = await fetch(`${origin}/events`, {
      headers: { accept: 'text/event-stream' },
      credentials: 'same-origin',
      cache: 'no-store',
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (response.status === 403) return 'forbidden';
    if (!response.ok || !response.body) return 'ended';
    failures = 0;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return 'ended';
      buffer += value.replace(/\r\n?/g, '\n');
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        dispatchFrame(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
      }
    }
  }

  async function followEvents(): Promise<void> {
    while (!options.signal?.aborted) {
      let outcome: 'ended' | 'forbidden' | 'error';
      try {
        outcome = await readStream();
      } catch {
        outcome = 'error';
      }
      if (options.signal?.aborted) return;
      failures += 1;
      const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(failures, 5));
      emit(
        'connection',
        lostContact(
          outcome === 'forbidden'
            ? 'The local approver service no longer accepts this page (it was restarted?). Open the URL that `npm start` printed.'
            : 'Lost contact with the local approver service (`npm start`). Reconnecting…',
          delay,
        ),
      );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        options.signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  void followEvents();

  return {
    invoke: invoke as HesoBridge['invoke'],
    on<E extends EventChannel>(event: E, listener: (payload: EventContract[E]) => void): () => void {
      if (!isEventChannel(event))
        throw new BridgeError({ code: 'unknown_event', message: `Unknown event "${event}".` });
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      const wrapped: Listener = (payload) => listener(payload as EventContract[E]);
      set.add(wrapped);
      return () => {
        set.delete(wrapped);
      };
    },
  };
}

/** Installs `window.heso` unless a shell (the Electron preload) already did. */
export function installWebBridge(): void {
  if (window.heso) return;
  const bridge = createWebBridge();
  Object.defineProperty(window, 'heso', { value: Object.freeze(bridge), writable: false, configurable: false });
}

// Importing this module in a page installs the bridge (renderer/main.tsx relies on that).
if (typeof window !== 'undefined') installWebBridge();
