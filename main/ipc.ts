/**
 * Registers one `ipcMain.handle` per contract channel (prefixed `heso:`), each of which first
 * checks that the call comes from our own window's top frame at our own page, then hands the
 * raw args to the dispatcher (which validates them with the contract's schemas). Handlers
 * return the dispatcher's JSON envelope; they never throw, so no Electron-wrapped error text
 * or stack reaches the renderer. Electron types only: this file is unit-tested under Node.
 */
import type { IpcMainInvokeEvent } from 'electron';
import { CHANNEL_PREFIX } from '../src/app/contract.ts';
import type { Dispatcher } from '../src/app/dispatch.ts';
import type { InvokeEnvelope } from '../src/app/wire.ts';

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export interface IpcSecurity {
  isTrustedSender(frame: IpcMainInvokeEvent['senderFrame']): boolean;
  /** Told about refused calls (for the log). */
  onRefused?(channel: string, reason: 'untrusted_sender'): void;
}

export const UNTRUSTED_SENDER: InvokeEnvelope = {
  ok: false,
  error: { code: 'forbidden', message: 'This request did not come from the approver window and was refused.' },
};

/** Returns a function that removes every handler it registered. */
export function registerHandlers(ipcMain: IpcMainLike, dispatcher: Dispatcher, security: IpcSecurity): () => void {
  const registered: string[] = [];
  for (const channel of dispatcher.channels) {
    const wire = `${CHANNEL_PREFIX}${channel}`;
    ipcMain.handle(wire, async (event, ...args) => {
      if (!security.isTrustedSender(event.senderFrame)) {
        security.onRefused?.(channel, 'untrusted_sender');
        return UNTRUSTED_SENDER;
      }
      // Exactly one argument: extra positional args are a malformed call, not ignorable noise.
      if (args.length > 1) {
        return {
          ok: false,
          error: { code: 'bad_request', message: `Invalid call of ${channel}: expected one argument.` },
        } satisfies InvokeEnvelope;
      }
      return dispatcher.dispatch(channel, args[0]);
    });
    registered.push(wire);
  }
  return () => {
    for (const wire of registered) ipcMain.removeHandler(wire);
  };
}
