import { useEffect, useState } from 'react';

/** Current time, re-rendered every `intervalMs` so ages and countdowns stay live. */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
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
