/**
 * The approver UI shell: loads profiles and the queue, follows the bridge's events, and
 * switches between screens. Screens get what they need as props; nothing here talks to
 * the network — every call goes through `window.heso`.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { AppInfo, Settings } from '../src/app/contract.ts';
import type { ConnectionState, ProfileView, QueueSnapshot } from '../src/approver/api.ts';
import { ConnectionBanner } from './components/ConnectionBanner.tsx';
import { NewItemAnnouncer } from './components/NewItemAnnouncer.tsx';
import { KeyStatusPill } from './components/StatusPill.tsx';
import { errorMessage, invoke, useBridgeEvent } from './lib/bridge.ts';
import { useKeyStatusRefresh } from './lib/key-status.ts';
import { DEFAULT_QUERY, entryOf, orderQueue, type QueueEntry, type QueueQuery, toolsOf } from './lib/queue-order.ts';
import { useWebNotifications } from './lib/web-notifications.ts';
import { DetailView } from './views/Detail.tsx';
import { HistoryView } from './views/History.tsx';
import { OnboardingView } from './views/Onboarding.tsx';
import { type QueueMemory, QueueView } from './views/Queue.tsx';
import { SettingsView } from './views/Settings.tsx';
import { VerifierView } from './views/Verifier.tsx';

export type Route =
  | { view: 'queue' }
  | { view: 'detail'; approvalId: string }
  | { view: 'history' }
  | { view: 'verifier' }
  | { view: 'settings' }
  | { view: 'onboarding' };

const EMPTY_CONNECTION: ConnectionState = { kind: 'idle', message: '', retryAt: null, lastSyncAt: null };
const EMPTY_SNAPSHOT: QueueSnapshot = { profile: null, items: [], connection: EMPTY_CONNECTION };

const NAV: { view: 'queue' | 'history' | 'verifier' | 'settings'; label: string }[] = [
  { view: 'queue', label: 'Queue' },
  { view: 'history', label: 'History' },
  { view: 'verifier', label: 'Verify receipt' },
  { view: 'settings', label: 'Settings' },
];

export function App() {
  const [profiles, setProfiles] = useState<ProfileView[] | null>(null);
  const [snapshot, setSnapshot] = useState<QueueSnapshot>(EMPTY_SNAPSHOT);
  const [connection, setConnection] = useState<ConnectionState>(EMPTY_CONNECTION);
  const [settings, setSettings] = useState<Settings | null>(null);
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [route, setRoute] = useState<Route>({ view: 'queue' });
  const [loadError, setLoadError] = useState<string | null>(null);
  const [query, setQuery] = useState<QueueQuery>(DEFAULT_QUERY);
  const memory = useRef<QueueMemory>({ scrollY: 0, focusId: null, order: [] });

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
  useBridgeEvent('navigate', ({ approvalId }) => setRoute({ view: 'detail', approvalId }));

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
    [applySnapshotIfCurrent],
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
        if (!first) setRoute({ view: 'onboarding' });
        else if (!snap.profile || !list.some((p) => p.name === snap.profile)) await startQueue(first.name);
      } catch (error) {
        if (!cancelled) setLoadError(errorMessage(error));
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [startQueue, applySnapshotIfCurrent]);

  // The pending count in the title: what a browser tab (or the taskbar) shows while this window is in the background.
  const pending = snapshot.items.length;
  useEffect(() => {
    document.title = pending > 0 ? `(${pending}) HESO Approver` : 'HESO Approver';
  }, [pending]);

  // Computed once per snapshot (headlines, risk, search text), not per render or per clock tick.
  const entries = useMemo(() => snapshot.items.map(entryOf), [snapshot.items]);
  const shown = useMemo(() => orderQueue(entries, query), [entries, query]);
  const tools = useMemo(() => toolsOf(entries), [entries]);
  const openDetail = useCallback(
    (approvalId: string) => {
      memory.current = { scrollY: window.scrollY, focusId: approvalId, order: shown.map((e) => e.item.approval.id) };
      setRoute({ view: 'detail', approvalId });
    },
    [shown],
  );
  useFocusOnNavigation(route);
  // The desktop app notifies from the main process; in a browser the page does it itself.
  useWebNotifications(info?.shell === 'browser' && (settings?.notifications ?? false), snapshot.items, openDetail);

  const activeName = following ?? snapshot.profile;
  const activeProfile = profiles?.find((p) => p.name === activeName) ?? profiles?.[0] ?? null;
  const updateProfile = (next: ProfileView) =>
    setProfiles((list) => (list ? list.map((p) => (p.name === next.name ? next : p)) : [next]));
  useKeyStatusRefresh(activeProfile, updateProfile);

  if (loadError) {
    return (
      <main className="app-error" role="alert">
        <h1>HESO Approver could not start</h1>
        <p>{loadError}</p>
      </main>
    );
  }
  if (!profiles) return <p className="loading">Loading…</p>;

  const onboarding = route.view === 'onboarding' || profiles.length === 0;
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>
          <span className="brand-name">HESO Approver</span>
        </div>
        {!onboarding && (
          <nav aria-label="Main">
            <ul className="nav-list">
              {NAV.map((item) => {
                const current =
                  route.view === item.view || (item.view === 'queue' && route.view === 'detail') ? 'page' : undefined;
                return (
                  <li key={item.view}>
                    <button
                      type="button"
                      className="nav-button"
                      aria-current={current}
                      onClick={() => setRoute({ view: item.view })}
                    >
                      {item.label}
                      {item.view === 'queue' && snapshot.items.length > 0 && (
                        <span className="nav-count" data-testid="queue-count">
                          {snapshot.items.length}
                          <span className="visually-hidden"> pending</span>
                        </span>
                      )}
                    </button>
                  </li>
                );
              })}
            </ul>
          </nav>
        )}
        {activeProfile && !onboarding && (
          <ProfileSwitcher profiles={profiles} active={activeProfile} onSwitch={startQueue} />
        )}
      </header>
      {!onboarding && (
        <ConnectionBanner connection={connection} onOpenSettings={() => setRoute({ view: 'settings' })} />
      )}
      <NewItemAnnouncer items={snapshot.items} />
      <main id="main" className="app-main" tabIndex={-1}>
        {onboarding ? (
          <OnboardingView
            canCancel={profiles.length > 0}
            onCancel={() => setRoute({ view: 'settings' })}
            onDone={async (profile) => {
              await reloadProfiles();
              await startQueue(profile.name);
              setRoute({ view: 'queue' });
            }}
          />
        ) : (
          <Screen
            route={route}
            entries={entries}
            shown={shown}
            tools={tools}
            query={query}
            onQuery={setQuery}
            memory={memory.current}
            onOpen={openDetail}
            setRoute={setRoute}
            snapshot={snapshot}
            profiles={profiles}
            activeProfile={activeProfile}
            settings={settings}
            info={info}
            onSettings={setSettings}
            onProfileChanged={updateProfile}
            onProfilesReload={async () => {
              const list = await reloadProfiles();
              const next = list[0];
              if (next && !list.some((p) => p.name === snapshot.profile)) await startQueue(next.name);
              if (!next) setRoute({ view: 'onboarding' });
              return list;
            }}
            onSwitchProfile={startQueue}
          />
        )}
      </main>
    </div>
  );
}

/** The active profile, always in the header; a switcher when there is more than one. */
function ProfileSwitcher(props: {
  profiles: ProfileView[];
  active: ProfileView;
  onSwitch: (name: string) => Promise<void>;
}) {
  const { profiles, active } = props;
  const label = (p: ProfileView) => `${p.displayName} · ${p.teamId}`;
  return (
    <div className="header-profile" data-testid="header-profile" data-profile={active.name}>
      {profiles.length > 1 ? (
        <label className="header-switcher">
          <span className="visually-hidden">Active profile</span>
          <select
            data-testid="profile-switcher"
            value={active.name}
            onChange={(event) => void props.onSwitch(event.target.value)}
          >
            {profiles.map((p) => (
              <option key={p.name} value={p.name}>
                {label(p)}
              </option>
            ))}
          </select>
        </label>
      ) : (
        <span className="header-profile-name">{label(active)}</span>
      )}
      <KeyStatusPill status={active.keyStatus} />
    </div>
  );
}

/** The item after `current` in the order the queue showed, skipping what left the queue; else the first shown. */
function nextAfter(current: string, order: string[], shown: QueueEntry[]): string | null {
  const live = new Set(shown.map((e) => e.item.approval.id));
  live.delete(current);
  const after = order.slice(order.indexOf(current) + 1).find((id) => live.has(id));
  return after ?? shown.find((e) => e.item.approval.id !== current)?.item.approval.id ?? null;
}

/**
 * On every navigation, focus moves to the new screen's heading so screen readers announce it
 * (the queue, coming back from a detail, puts it on the row that was opened instead).
 */
function useFocusOnNavigation(route: Route): void {
  const key = route.view === 'detail' ? `detail:${route.approvalId}` : route.view;
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    if (key !== 'queue') window.scrollTo(0, 0);
    const heading = document.querySelector<HTMLElement>('#main h1');
    if (!heading || (key === 'queue' && document.activeElement?.closest('[data-testid=queue-list]'))) return;
    heading.tabIndex = -1;
    heading.focus({ preventScroll: key === 'queue' });
  }, [key]);
}

interface ScreenProps {
  route: Route;
  entries: QueueEntry[];
  shown: QueueEntry[];
  tools: string[];
  query: QueueQuery;
  onQuery: (query: QueueQuery) => void;
  memory: QueueMemory;
  onOpen: (approvalId: string) => void;
  setRoute: (route: Route) => void;
  snapshot: QueueSnapshot;
  profiles: ProfileView[];
  activeProfile: ProfileView | null;
  settings: Settings | null;
  info: AppInfo | null;
  onSettings: (settings: Settings) => void;
  onProfileChanged: (profile: ProfileView) => void;
  onProfilesReload: () => Promise<ProfileView[]>;
  onSwitchProfile: (name: string) => Promise<void>;
}

function Screen(props: ScreenProps) {
  const { route, setRoute, snapshot, activeProfile } = props;
  switch (route.view) {
    case 'queue':
    case 'onboarding':
      return (
        <QueueView
          snapshot={snapshot}
          entries={props.entries}
          shown={props.shown}
          tools={props.tools}
          query={props.query}
          onQuery={props.onQuery}
          memory={props.memory}
          onOpen={props.onOpen}
        />
      );
    case 'detail':
      return (
        <DetailView
          key={route.approvalId}
          approvalId={route.approvalId}
          liveItem={snapshot.items.find((i) => i.approval.id === route.approvalId) ?? null}
          profile={activeProfile}
          nextId={nextAfter(route.approvalId, props.memory.order, props.shown)}
          onOpen={props.onOpen}
          onBack={() => setRoute({ view: 'queue' })}
        />
      );
    case 'history':
      return <HistoryView profile={activeProfile} onVerify={() => setRoute({ view: 'verifier' })} />;
    case 'verifier':
      return <VerifierView profile={activeProfile} />;
    case 'settings':
      return (
        <SettingsView
          profiles={props.profiles}
          activeProfileName={activeProfile?.name ?? null}
          settings={props.settings}
          info={props.info}
          onSettings={props.onSettings}
          onProfileChanged={props.onProfileChanged}
          onProfilesReload={props.onProfilesReload}
          onSwitchProfile={props.onSwitchProfile}
          onAddProfile={() => setRoute({ view: 'onboarding' })}
        />
      );
    default: {
      const unreachable: never = route;
      return unreachable;
    }
  }
}
