import { useSyncExternalStore } from 'react';

/**
 * One shared clock per interval: a single timer however many components show time, and only
 * those components re-render on a tick (a queue of 1,000 rows must not re-render every second).
 */
interface Clock {
  now: number;
  listeners: Set<() => void>;
  timer: ReturnType<typeof setInterval> | null;
}
const clocks = new Map<number, Clock>();

function clockFor(intervalMs: number): Clock {
  let clock = clocks.get(intervalMs);
  if (!clock) {
    clock = { now: Date.now(), listeners: new Set(), timer: null };
    clocks.set(intervalMs, clock);
  }
  return clock;
}

function subscribe(intervalMs: number, listener: () => void): () => void {
  const clock = clockFor(intervalMs);
  clock.listeners.add(listener);
  if (!clock.timer) {
    clock.timer = setInterval(() => {
      clock.now = Date.now();
      for (const notify of clock.listeners) notify();
    }, intervalMs);
  }
  return () => {
    clock.listeners.delete(listener);
    if (clock.listeners.size === 0 && clock.timer) {
      clearInterval(clock.timer);
      clock.timer = null;
    }
  };
}

/** Current time from the shared clock, re-rendered every `intervalMs` so ages and countdowns stay live. */
export function useNow(intervalMs = 1000): number {
  return useSyncExternalStore(
    (listener) => subscribe(intervalMs, listener),
    () => {
      const clock = clockFor(intervalMs);
      // An idle clock catches up once, so the snapshot stays stable within a render.
      if (!clock.timer && Date.now() - clock.now >= intervalMs) clock.now = Date.now();
      return clock.now;
    },
  );
}

/** "42s", "5m 03s", "2h 10m", "3d 4h": short, for lists. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, '0')}m`;
  if (minutes > 0) return `${minutes}m ${String(seconds).padStart(2, '0')}s`;
  return `${seconds}s`;
}

export function ageText(sinceIso: string, now: number): string {
  return `${formatDuration(now - Date.parse(sinceIso))} ago`;
}

export type ExpiryUrgency = 'expired' | 'soon' | 'normal';

export function expiryInfo(expiresAtIso: string, now: number): { text: string; urgency: ExpiryUrgency } {
  const left = Date.parse(expiresAtIso) - now;
  if (left <= 0) return { text: 'expired', urgency: 'expired' };
  return { text: `expires in ${formatDuration(left)}`, urgency: left < 120_000 ? 'soon' : 'normal' };
}

/** Local, unambiguous date-time with the UTC original available as a tooltip. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}
