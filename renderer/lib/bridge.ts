/**
 * The renderer's only door to the privileged side: `window.heso` (preload in Electron,
 * the web bridge in a browser). Thin typed helpers and React hooks over it.
 */
import { useEffect, useRef } from 'react';
import type {
  EventChannel,
  EventContract,
  HesoBridge,
  InvokeArgs,
  InvokeChannel,
  InvokeResult,
} from '../../src/app/contract.ts';

export function bridge(): HesoBridge {
  const heso = window.heso;
  if (!heso) throw new Error('The approver bridge is not available. Restart the app.');
  return heso;
}

export function invoke<C extends InvokeChannel>(channel: C, args: InvokeArgs<C>): Promise<InvokeResult<C>> {
  return bridge().invoke(channel, args);
}

/** A message that is safe and useful to show for any rejection from `invoke`. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  if (typeof error === 'string' && error) return error;
  return 'Something went wrong. Try again; if it keeps happening, restart the app.';
}

/** Subscribes to a bridge event for the component's lifetime; the latest listener is always called. */
export function useBridgeEvent<E extends EventChannel>(event: E, listener: (payload: EventContract[E]) => void): void {
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => bridge().on(event, (payload) => latest.current(payload)), [event]);
}
