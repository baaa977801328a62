import type { ConnectionState } from '../../src/approver/api.ts';
import { formatDuration, formatTime, useNow } from '../lib/time.ts';

/** Tells the approver when the queue they see may be stale, and what to do about it. */
export function ConnectionBanner({
  connection,
  onOpenSettings,
}: {
  connection: ConnectionState;
  onOpenSettings: () => void;
}) {
  const now = useNow();
  // The engine's message may already say when it retries; only add a live countdown when it doesn't.
  const retryLeft = connection.retryAt ? Date.parse(connection.retryAt) - now : 0;
  const retryIn =
    retryLeft >= 1000 && !/retry/i.test(connection.message) ? ` Next attempt in ${formatDuration(retryLeft)}.` : '';
  const lastSync = connection.lastSyncAt ? ` Last updated ${formatTime(connection.lastSyncAt)}.` : '';
  let body: { tone: 'info' | 'warning' | 'error'; title: string; text: string; settings?: boolean } | null;
  switch (connection.kind) {
    case 'idle':
    case 'online':
      body = null;
      break;
    case 'connecting':
      body = { tone: 'info', title: 'Connecting', text: connection.message || 'Connecting to the control plane…' };
      break;
    case 'reconnecting':
      body = {
        tone: 'warning',
        title: 'Offline — reconnecting',
        text: `${connection.message || 'The control plane cannot be reached.'}${retryIn}${lastSync}`,
      };
      break;
    case 'rate_limited':
      body = {
        tone: 'warning',
        title: 'Rate limited',
        text: `${connection.message || 'The control plane asked us to slow down.'}${retryIn}${lastSync}`,
      };
      break;
    case 'auth_failed':
      body = {
        tone: 'error',
        title: 'API key rejected',
        text:
          connection.message ||
          'The control plane refused the API key. Ask your admin for a new key and set up the profile again.',
        settings: true,
      };
      break;
    default: {
      const unreachable: never = connection.kind;
      body = unreachable;
    }
  }
  return (
    <div className="banner-region" aria-live="polite" data-testid="connection-banner" data-kind={connection.kind}>
      {body && (
        <div className={`banner banner-${body.tone}`} role={body.tone === 'error' ? 'alert' : 'status'}>
          <strong className="banner-title">{body.title}</strong>
          <span className="banner-text">{body.text}</span>
          {body.settings && (
            <button type="button" className="button button-small" onClick={onOpenSettings}>
              Open settings
            </button>
          )}
        </div>
      )}
    </div>
  );
}
