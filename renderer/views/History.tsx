/** The local audit log: every enrolment, rotation and decision, with the log's own integrity check. */
import { useCallback, useEffect, useState } from 'react';
import type { AuditEntryView, HistoryView as HistoryData, ProfileView } from '../../src/approver/api.ts';
import { FormError } from '../components/FormError.tsx';
import { Visible } from '../components/Visible.tsx';
import { errorMessage, invoke } from '../lib/bridge.ts';
import { headlineOf } from '../lib/headline.ts';
import { exportFileName, historyJsonLines } from '../lib/history-export.ts';
import { formatTime } from '../lib/time.ts';

const KIND_LABEL = { enrol: 'Key enrolled', rotate: 'Key rotated', decision: 'Decision' } as const;

/** Saves the log as a file on this device (a Blob link: no network). */
function downloadJsonLines(entries: AuditEntryView[], profile: string): void {
  const url = URL.createObjectURL(new Blob([historyJsonLines(entries)], { type: 'application/jsonl' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = exportFileName(profile, new Date());
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function HistoryView({ profile, onVerify }: { profile: ProfileView | null; onVerify?: () => void }) {
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
        <div className="screen-actions">
          {history && history.entries.length > 0 && (
            <button
              type="button"
              className="button button-small"
              data-testid="history-export"
              onClick={() => downloadJsonLines(history.entries, profile?.name ?? 'approver')}
            >
              Export for auditors (JSON Lines)
            </button>
          )}
          <button type="button" className="button button-small" onClick={load} disabled={loading}>
            {loading ? 'Loading…' : 'Reload'}
          </button>
        </div>
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
                <th scope="col">Action</th>
                <th scope="col">Code</th>
                <th scope="col">Reason</th>
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
                  <td data-testid="history-action">
                    {entry.decided?.action ? (
                      <>
                        <Visible text={headlineOf(entry.decided.action).text} />
                        <span className="cell-sub mono">
                          <Visible text={entry.decided.action.tool} />
                        </span>
                      </>
                    ) : (
                      <Visible text={entry.summary} />
                    )}
                    {entry.approvalId && (
                      <span className="cell-sub mono">
                        <Visible text={entry.approvalId} />
                      </span>
                    )}
                    {entry.decided?.receiptId && onVerify && (
                      <button type="button" className="button button-link cell-sub" onClick={onVerify}>
                        Verify its receipt
                      </button>
                    )}
                  </td>
                  <td className="mono">{entry.decided?.shortCode ?? ''}</td>
                  <td data-testid="history-reason">
                    <Visible text={entry.decided?.reason ?? ''} />
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
