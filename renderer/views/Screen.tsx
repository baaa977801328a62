/**
 * The screen a route shows, below the shared header. Each screen gets what it needs as props.
 */
import type { AppInfo, Settings } from '../../src/app/contract.ts';
import type { ProfileView, QueueSnapshot } from '../../src/approver/api.ts';
import type { QueueEntry, QueueQuery } from '../lib/queue-order.ts';
import type { Route } from '../lib/route.ts';
import { DetailView } from './Detail.tsx';
import { HistoryView } from './History.tsx';
import { type QueueMemory, QueueView } from './Queue.tsx';
import { SettingsView } from './Settings.tsx';
import { VerifierView } from './Verifier.tsx';

/** The item after `current` in the order the queue showed, skipping what left the queue; else the first shown. */
function nextAfter(current: string, order: string[], shown: QueueEntry[]): string | null {
  const live = new Set(shown.map((e) => e.item.approval.id));
  live.delete(current);
  const after = order.slice(order.indexOf(current) + 1).find((id) => live.has(id));
  return after ?? shown.find((e) => e.item.approval.id !== current)?.item.approval.id ?? null;
}

export interface ScreenProps {
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

export function Screen(props: ScreenProps) {
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
