/** The local audit log: every enrolment, rotation and decision, with the log's own integrity check. */
import { useCallback, useEffect, useState } from 'react';
import type { HistoryView as HistoryData, ProfileView } from '../../src/approver/api.ts';
import { FormError } from '../components/FormError.tsx';
import { Visible } from '../components/Visible.tsx';
import { errorMessage, invoke } from '../lib/bridge.ts';
import { formatTime } from '../lib/time.ts';

const KIND_LABEL = { enrol: 'Key enrolled', rotate: 'Key rotated', decision: 'Decision' } as const;

export function HistoryView({ profile }: { profile: ProfileView | null }) {
  const [history, setHistory] = useState<HistoryData | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      setHistory(await invoke('history:get', profile ? { name: profile.name } : {}));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setLoading(false);
    }
  }, [profile]);

  useEffect(() => {
    void load();
  }, [load]);

  const entries = history ? [...history.entries].sort((a, b) => b.seq - a.seq) : [];
  return (
    <section className="screen" aria-labelledby="history-title">
      <div className="screen-head">
        <h1 id="history-title">History</h1>
        <button type="button" className="button button-small" onClick={load} disabled={loading}>
          {loading ? 'Loading…' : 'Reload'}
        </button>
      </div>
      <p className="screen-sub">
        Everything this device signed, in a tamper-evident log: each entry is chained to the one before and signed by
        your key.
      </p>
      <FormError message={error} />
      {history && (
        <div
          className={`alert ${history.verification.ok ? 'alert-ok' : 'alert-error'}`}
          role={history.verification.ok ? 'status' : 'alert'}
          data-testid="history-verification"
          data-ok={String(history.verification.ok)}
        >
          {history.verification.ok ? (
            <>
              <strong>Audit log intact.</strong> {history.verification.count}{' '}
              {history.verification.count === 1 ? 'entry' : 'entries'} verified.
            </>
          ) : (
            <>
              <strong>Audit log problem.</strong> {history.verification.problem ?? 'The log does not verify.'}{' '}
              {history.verification.count} entries checked. Keep this device as it is and tell your admin.
            </>
          )}
        </div>
      )}
      {history && entries.length === 0 && <p className="empty-state">No entries yet.</p>}
      {entries.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="history-table">
            <caption className="visually-hidden">Audit log entries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">When</th>
                <th scope="col">What</th>
                <th scope="col">Decision</th>
                <th scope="col">Details</th>
                <th scope="col">Entry hash</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.seq} data-testid="history-entry" data-kind={entry.kind}>
                  <td className="mono">{entry.seq}</td>
                  <td title={entry.at}>{formatTime(entry.at)}</td>
                  <td>{KIND_LABEL[entry.kind]}</td>
                  <td>
                    {entry.decision && (
                      <span className={`pill pill-decision-${entry.decision}`}>
                        {entry.decision === 'approve' ? 'Approved' : 'Denied'}
                      </span>
                    )}
                  </td>
                  <td>
                    <Visible text={entry.summary} />
                    {entry.approvalId && (
                      <span className="cell-sub mono">
                        <Visible text={entry.approvalId} />
                      </span>
                    )}
                  </td>
                  <td className="mono hash-cell" title={entry.hash}>
                    {entry.hash.slice(0, 19)}…
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
