/**
 * The header every screen shares: the brand, the main navigation (with the pending count on
 * Queue) and the active profile with its key status. While onboarding only the brand shows.
 */
import type { ProfileView } from '../../src/approver/api.ts';
import type { NavView, Route } from '../lib/route.ts';
import { KeyStatusPill } from './StatusPill.tsx';

const NAV: { view: NavView; label: string }[] = [
  { view: 'queue', label: 'Queue' },
  { view: 'history', label: 'History' },
  { view: 'verifier', label: 'Verify receipt' },
  { view: 'settings', label: 'Settings' },
];

export function AppHeader(props: {
  route: Route;
  onboarding: boolean;
  pendingCount: number;
  profiles: ProfileView[];
  activeProfile: ProfileView | null;
  onNavigate: (route: Route) => void;
  onSwitchProfile: (name: string) => Promise<void>;
}) {
  const { activeProfile, onboarding } = props;
  return (
    <header className="app-header">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">
          ◆
        </span>
        <span className="brand-name">HESO Approver</span>
      </div>
      {!onboarding && <MainNav route={props.route} pendingCount={props.pendingCount} onNavigate={props.onNavigate} />}
      {activeProfile && !onboarding && (
        <ProfileSwitcher profiles={props.profiles} active={activeProfile} onSwitch={props.onSwitchProfile} />
      )}
    </header>
  );
}

function MainNav(props: { route: Route; pendingCount: number; onNavigate: (route: Route) => void }) {
  const { route, pendingCount } = props;
  return (
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
                onClick={() => props.onNavigate({ view: item.view })}
              >
                {item.label}
                {item.view === 'queue' && pendingCount > 0 && (
                  <span className="nav-count" data-testid="queue-count">
                    {pendingCount}
                    <span className="visually-hidden"> pending</span>
                  </span>
                )}
              </button>
            </li>
          );
        })}
      </ul>
    </nav>
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
