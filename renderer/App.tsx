/**
 * The approver UI shell: holds the route and the queue's order and filter, and puts the
 * header, the connection banner and the current screen together. What it knows of the
 * engine comes from `useApproverState`; nothing here talks to the network — every call goes
 * through `window.heso`.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { PendingItem } from '../src/approver/api.ts';
import { AppHeader } from './components/AppHeader.tsx';
import { ConnectionBanner } from './components/ConnectionBanner.tsx';
import { NewItemAnnouncer } from './components/NewItemAnnouncer.tsx';
import { useApproverState } from './lib/approver-state.ts';
import { DEFAULT_QUERY, entryOf, orderQueue, type QueueQuery, toolsOf } from './lib/queue-order.ts';
import type { Route } from './lib/route.ts';
import { useWebNotifications } from './lib/web-notifications.ts';
import { OnboardingView } from './views/Onboarding.tsx';
import type { QueueMemory } from './views/Queue.tsx';
import { Screen } from './views/Screen.tsx';

export function App() {
  const [route, setRoute] = useState<Route>({ view: 'queue' });
  const state = useApproverState(setRoute);
  const { profiles, snapshot, settings, info, activeProfile, startQueue } = state;
  const { entries, shown, tools, query, setQuery, memory, openDetail } = useShownQueue(snapshot.items, setRoute);

  // The pending count in the title: what a browser tab (or the taskbar) shows while this window is in the background.
  const pending = snapshot.items.length;
  useEffect(() => {
    document.title = pending > 0 ? `(${pending}) HESO Approver` : 'HESO Approver';
  }, [pending]);

  useFocusOnNavigation(route);
  // The desktop app notifies from the main process; in a browser the page does it itself.
  useWebNotifications(info?.shell === 'browser' && (settings?.notifications ?? false), snapshot.items, openDetail);

  if (state.loadError) {
    return (
      <main className="app-error" role="alert">
        <h1>HESO Approver could not start</h1>
        <p>{state.loadError}</p>
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
      <AppHeader
        route={route}
        onboarding={onboarding}
        pendingCount={pending}
        profiles={profiles}
        activeProfile={activeProfile}
        onNavigate={setRoute}
        onSwitchProfile={startQueue}
      />
      {!onboarding && (
        <ConnectionBanner connection={state.connection} onOpenSettings={() => setRoute({ view: 'settings' })} />
      )}
      <NewItemAnnouncer items={snapshot.items} />
      <main id="main" className="app-main" tabIndex={-1}>
        {onboarding ? (
          <OnboardingView
            canCancel={profiles.length > 0}
            onCancel={() => setRoute({ view: 'settings' })}
            onDone={async (profile) => {
              await state.reloadProfiles();
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
            memory={memory}
            onOpen={openDetail}
            setRoute={setRoute}
            snapshot={snapshot}
            profiles={profiles}
            activeProfile={activeProfile}
            settings={settings}
            info={info}
            onSettings={state.setSettings}
            onProfileChanged={state.updateProfile}
            onProfilesReload={state.reloadProfilesAfterRemoval}
            onSwitchProfile={startQueue}
          />
        )}
      </main>
    </div>
  );
}

/**
 * The queue as the list shows it: sorted, filtered and searched by the query. Opening a detail
 * remembers the scroll position, the row and the order shown, for Back and for Next item.
 */
function useShownQueue(items: PendingItem[], setRoute: (route: Route) => void) {
  const [query, setQuery] = useState<QueueQuery>(DEFAULT_QUERY);
  const memory = useRef<QueueMemory>({ scrollY: 0, focusId: null, order: [] });
  // Computed once per snapshot (headlines, risk, search text), not per render or per clock tick.
  const entries = useMemo(() => items.map(entryOf), [items]);
  const shown = useMemo(() => orderQueue(entries, query), [entries, query]);
  const tools = useMemo(() => toolsOf(entries), [entries]);
  const openDetail = useCallback(
    (approvalId: string) => {
      memory.current = { scrollY: window.scrollY, focusId: approvalId, order: shown.map((e) => e.item.approval.id) };
      setRoute({ view: 'detail', approvalId });
    },
    [shown, setRoute],
  );
  return { entries, shown, tools, query, setQuery, memory: memory.current, openDetail };
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
