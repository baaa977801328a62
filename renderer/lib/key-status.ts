/**
 * A key waiting for activation becomes usable without the person doing anything: while the
 * active profile's key is pending (or not checked yet) the app asks the control plane again,
 * backing off from a few seconds to a minute, and stops once the key is active or revoked.
 */
import { useEffect, useRef } from 'react';
import type { ProfileView } from '../../src/approver/api.ts';
import { invoke } from './bridge.ts';

const FIRST_CHECK_MS = 3000;
const MAX_INTERVAL_MS = 60_000;

export function useKeyStatusRefresh(profile: ProfileView | null, onChanged: (profile: ProfileView) => void): void {
  const latest = useRef(onChanged);
  latest.current = onChanged;
  const name = profile?.name;
  const status = profile?.keyStatus;
  useEffect(() => {
    if (name === undefined || (status !== 'pending' && status !== 'unknown')) return;
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let interval = FIRST_CHECK_MS;
    const check = async () => {
      try {
        const next = await invoke('profiles:refresh', { name });
        if (cancelled) return;
        // A changed status re-runs this effect (which stops for active / revoked keys).
        if (next.keyStatus !== status) return latest.current(next);
      } catch {
        // Offline or refused: the connection banner says so; keep checking at the slower pace.
      }
      if (!cancelled) schedule();
    };
    const schedule = () => {
      timer = setTimeout(() => void check(), interval);
      interval = Math.min(MAX_INTERVAL_MS, interval * 2);
    };
    schedule();
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [name, status]);
}
