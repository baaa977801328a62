/**
 * The preload: exposes `window.heso` (the contract's `HesoBridge`) and nothing else. No raw
 * ipcRenderer, no Node, no generic send: `invoke` refuses names outside the contract before
 * anything is sent, and `on` passes the payload only (never the IpcRendererEvent, whose
 * `sender` would hand the page an ipcRenderer) and returns the unsubscribe function.
 * Bundled to CommonJS (sandboxed preloads cannot load ESM or other files).
 */
import { contextBridge, type IpcRendererEvent, ipcRenderer } from 'electron';
import type { EventChannel, EventContract, HesoBridge, InvokeChannel } from '../src/app/contract.ts';
import { BridgeError, CHANNEL_PREFIX, isEventChannel, isInvokeChannel, unwrapEnvelope } from '../src/app/wire.ts';

const bridge: HesoBridge = {
  async invoke(channel: InvokeChannel, args: unknown) {
    if (!isInvokeChannel(channel)) {
      throw new BridgeError({ code: 'unknown_channel', message: `Unknown request "${String(channel).slice(0, 80)}".` });
    }
    return unwrapEnvelope(await ipcRenderer.invoke(`${CHANNEL_PREFIX}${channel}`, args ?? null));
  },
  on<E extends EventChannel>(event: E, listener: (payload: EventContract[E]) => void): () => void {
    if (!isEventChannel(event)) throw new BridgeError({ code: 'unknown_event', message: 'Unknown event.' });
    if (typeof listener !== 'function')
      throw new BridgeError({ code: 'bad_request', message: 'listener must be a function' });
    const wire = `${CHANNEL_PREFIX}${event}`;
    const relay = (_event: IpcRendererEvent, payload: EventContract[E]) => listener(payload);
    ipcRenderer.on(wire, relay);
    return () => {
      ipcRenderer.removeListener(wire, relay);
    };
  },
} as HesoBridge;

contextBridge.exposeInMainWorld('heso', bridge);
