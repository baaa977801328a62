/**
 * What the UI shell knows of the engine: profiles, the followed queue and its connection,
 * settings and app info. Loaded once through `window.heso`, then kept current by the
 * bridge's events. Screens get pieces of it as props; nothing here talks to the network.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { AppInfo, Settings } from '../../src/app/contract.ts';
import type { ConnectionState, ProfileView, QueueSnapshot } from '../../src/approver/api.ts';
import { errorMessage, invoke, useBridgeEvent } from './bridge.ts';
import { useKeyStatusRefresh } from './key-status.ts';
import type { Route } from './route.ts';

const EMPTY_CONNECTION: ConnectionState = { kind: 'idle', message: '', retryAt: null, lastSyncAt: null };
const EMPTY_SNAPSHOT: QueueSnapshot = { profile: null, items: [], connection: EMPTY_CONNECTION };

export interface ApproverState {
  /** null until the first load answered. */
  profiles: ProfileView[] | null;
  snapshot: QueueSnapshot;
  connection: ConnectionState;
  settings: Settings | null;
  setSettings: (settings: Settings) => void;
  info: AppInfo | null;
  /** Why the first load failed, if it did. */
  loadError: string | null;
  /** The profile whose queue is followed (the header shows it). */
  activeProfile: ProfileView | null;
  updateProfile: (profile: ProfileView) => void;
  /** Follows this profile's queue. */
  startQueue: (name: string) => Promise<void>;
  reloadProfiles: () => Promise<ProfileView[]>;
  /** After a profile was removed: follows another one, or onboards when none is left. */
  reloadProfilesAfterRemoval: () => Promise<ProfileView[]>;
}

/** The queue and its connection, from events and from snapshots that no event overtook. */
function useQueueFeed(navigate: (route: Route) => void) {
  const [snapshot, setSnapshot] = useState<QueueSnapshot>(EMPTY_SNAPSHOT);
  const [connection, setConnection] = useState<ConnectionState>(EMPTY_CONNECTION);
  // Events and invoke results travel on different paths and can overtake each other. Every
  // state change emits an event, so an event that arrived while a snapshot request was in
  // flight is at least as new as that snapshot: the snapshot is then dropped, never applied
  // over it (otherwise a late "connecting" could hide an "online" that already arrived).
  const eventsSeen = useRef(0);
  useBridgeEvent('queue', (next) => {
    eventsSeen.current += 1;
    setSnapshot(next);
    setConnection(next.connection);
  });
  useBridgeEvent('connection', (next) => {
    eventsSeen.current += 1;
    setConnection(next);
    setSnapshot((current) => ({ ...current, connection: next }));
  });
  const applySnapshotIfCurrent = useCallback((next: QueueSnapshot, eventsBefore: number) => {
    if (eventsSeen.current !== eventsBefore) return;
    setSnapshot(next);
    setConnection(next.connection);
  }, []);
  useBridgeEvent('navigate', ({ approvalId }) => navigate({ view: 'detail', approvalId }));
  return { snapshot, connection, eventsSeen, applySnapshotIfCurrent };
}

export function useApproverState(navigate: (route: Route) => void): ApproverState {
  const [profiles, setProfiles] = useState<ProfileView[] | null>(null);
  const [settings, setSettings] = useState<Settings | null>(null);
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const { snapshot, connection, eventsSeen, applySnapshotIfCurrent } = useQueueFeed(navigate);

  // The profile the person chose to follow: the header shows it at once, even before the
  // first snapshot of its queue arrives (a late event of the old queue must not show the old name).
  const [following, setFollowing] = useState<string | null>(null);
  const startQueue = useCallback(
    async (name: string) => {
      setFollowing(name);
      await invoke('queue:start', { name });
      const eventsBefore = eventsSeen.current;
      applySnapshotIfCurrent(await invoke('queue:snapshot', null), eventsBefore);
    },
    [applySnapshotIfCurrent, eventsSeen],
  );

  const reloadProfiles = useCallback(async (): Promise<ProfileView[]> => {
    const list = await invoke('profiles:list', null);
    setProfiles(list);
    return list;
  }, []);

  useEffect(() => {
    let cancelled = false;
    (async () => {
      try {
        const eventsBefore = eventsSeen.current;
        const [list, snap, prefs, appInfo] = await Promise.all([
          invoke('profiles:list', null),
          invoke('queue:snapshot', null),
          invoke('settings:get', null),
          invoke('app:info', null),
        ]);
        if (cancelled) return;
        setProfiles(list);
        applySnapshotIfCurrent(snap, eventsBefore);
        setSettings(prefs);
        setInfo(appInfo);
        const first = list[0];
        if (!first) navigate({ view: 'onboarding' });
        else if (!snap.profile || !list.some((p) => p.name === snap.profile)) await startQueue(first.name);
      } catch (error) {
        if (!cancelled) setLoadError(errorMessage(error));
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [startQueue, applySnapshotIfCurrent, eventsSeen, navigate]);

  const activeName = following ?? snapshot.profile;
  const activeProfile = profiles?.find((p) => p.name === activeName) ?? profiles?.[0] ?? null;
  const updateProfile = (next: ProfileView) =>
    setProfiles((list) => (list ? list.map((p) => (p.name === next.name ? next : p)) : [next]));
  useKeyStatusRefresh(activeProfile, updateProfile);

  const reloadProfilesAfterRemoval = async () => {
    const list = await reloadProfiles();
    const next = list[0];
    if (next && !list.some((p) => p.name === snapshot.profile)) await startQueue(next.name);
    if (!next) navigate({ view: 'onboarding' });
    return list;
  };

  return {
    profiles,
    snapshot,
    connection,
    settings,
    setSettings,
    info,
    loadError,
    activeProfile,
    updateProfile,
    startQueue,
    reloadProfiles,
    reloadProfilesAfterRemoval,
  };
}
