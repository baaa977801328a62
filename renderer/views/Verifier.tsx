/**
 * Offline receipt verifier: paste or drop a receipt, choose which approver keys to trust,
 * and the verdict is re-derived from the signatures right here in the renderer with the
 * shared core. No network, no account, no privileged call.
 */
import { type DragEvent, useEffect, useId, useRef, useState } from 'react';
import type { ProfileView } from '../../src/approver/api.ts';
import { PublicKeyB64 } from '../../src/core/schemas.ts';
import { type VerifyResult, verifyReceipt } from '../../src/core/verify.ts';
import { Visible } from '../components/Visible.tsx';
import { receiptFacts, VERDICT_TONE, verdictKind } from '../lib/verdict.ts';

const MAX_INPUT_BYTES = 1024 * 1024;

type Outcome =
  | { kind: 'result'; result: VerifyResult; unwrapped: boolean; receipt: unknown }
  | { kind: 'error'; message: string };

function parseKeys(text: string): { keys: string[]; bad: string[] } {
  const keys: string[] = [];
  const bad: string[] = [];
  for (const raw of text.split(/[\s,]+/)) {
    if (!raw) continue;
    if (PublicKeyB64.safeParse(raw).success) keys.push(raw);
    else bad.push(raw);
  }
  return { keys, bad };
}

/** Accepts a receipt, or anything that carries one under `receipt` (an approval, an SDK result). */
function extractReceipt(value: unknown): { receipt: unknown; unwrapped: boolean } {
  if (typeof value === 'object' && value !== null && !('statement' in value) && 'receipt' in value) {
    return { receipt: (value as { receipt: unknown }).receipt, unwrapped: true };
  }
  return { receipt: value, unwrapped: false };
}

export function VerifierView({ profile }: { profile: ProfileView | null }) {
  const [text, setText] = useState('');
  const [approverKeys, setApproverKeys] = useState(profile?.publicKey ?? '');
  const [operatorKeys, setOperatorKeys] = useState('');
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [dragging, setDragging] = useState(false);
  const fileId = useId();

  const verify = (input = text) => {
    const approvers = parseKeys(approverKeys);
    const operators = parseKeys(operatorKeys);
    const badKeys = [...approvers.bad, ...operators.bad];
    if (badKeys.length > 0) {
      setOutcome({
        kind: 'error',
        message: `Not a public key (32 bytes, base64url without padding): ${badKeys.map((k) => k.slice(0, 60)).join(', ')}`,
      });
      return;
    }
    if (!input.trim()) {
      setOutcome({ kind: 'error', message: 'Paste a receipt JSON or drop a receipt file first.' });
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch (error) {
      setOutcome({
        kind: 'error',
        message: `This is not valid JSON: ${error instanceof Error ? error.message : 'parse error'}.`,
      });
      return;
    }
    const { receipt, unwrapped } = extractReceipt(parsed);
    const trust = {
      approverKeys: approvers.keys,
      ...(operators.keys.length > 0 ? { operatorKeys: operators.keys } : {}),
    };
    setOutcome({ kind: 'result', result: verifyReceipt(receipt, trust), unwrapped, receipt });
  };

  const loadFile = async (file: File | undefined) => {
    if (!file) return;
    if (file.size > MAX_INPUT_BYTES) {
      setOutcome({ kind: 'error', message: 'That file is larger than 1 MB; a receipt is a few kilobytes.' });
      return;
    }
    const content = await file.text();
    setText(content);
    verify(content);
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    const file = event.dataTransfer.files[0];
    if (file) void loadFile(file);
    else {
      const dropped = event.dataTransfer.getData('text/plain');
      if (dropped) {
        setText(dropped);
        verify(dropped);
      }
    }
  };

  return (
    <section className="screen" aria-labelledby="verifier-title">
      <div className="screen-head">
        <h1 id="verifier-title">Verify a receipt</h1>
      </div>
      <p className="screen-sub">
        Checks the signatures on this device. Nothing is sent anywhere: the verdict comes from the math and the keys you
        choose to trust.
      </p>
      <div className="card">
        {/* biome-ignore lint/a11y/noStaticElementInteractions: a drop target only; the textarea and the file input inside are the keyboard paths */}
        <div
          className={dragging ? 'drop-zone drop-zone-active' : 'drop-zone'}
          onDragOver={(event) => {
            event.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
          data-testid="verifier-dropzone"
        >
          <div className="field">
            <label className="field-label" htmlFor={`${fileId}-json`}>
              Receipt JSON
            </label>
            <textarea
              id={`${fileId}-json`}
              aria-describedby={`${fileId}-json-help`}
              className="mono"
              rows={10}
              spellCheck={false}
              value={text}
              placeholder='{"statement": {"type": "heso.receipt.v1", …}, "signature": "…", "cosignature": {…}}'
              data-testid="verifier-input"
              onChange={(event) => setText(event.target.value)}
            />
            <span className="field-help" id={`${fileId}-json-help`}>
              Paste it here, or drop a .json file anywhere in this box.
            </span>
          </div>
          <label className="file-pick" htmlFor={fileId}>
            Or choose a receipt file:
          </label>
          <input
            id={fileId}
            className="file-input"
            type="file"
            data-testid="verifier-file"
            accept="application/json,.json"
            onChange={(event) => void loadFile(event.target.files?.[0])}
          />
        </div>
        <div className="field">
          <label className="field-label" htmlFor={`${fileId}-approvers`}>
            Trusted approver public keys
          </label>
          <textarea
            id={`${fileId}-approvers`}
            aria-describedby={`${fileId}-approvers-help`}
            className="mono"
            rows={2}
            spellCheck={false}
            value={approverKeys}
            data-testid="verifier-trusted"
            onChange={(event) => setApproverKeys(event.target.value)}
          />
          <span className="field-help" id={`${fileId}-approvers-help`}>
            One per line (base64url). Prefilled with your own key. Only co-signatures by these keys can turn “suspend”
            into “allow”.
          </span>
        </div>
        <div className="field">
          <label className="field-label" htmlFor={`${fileId}-operators`}>
            Trusted operator public keys (optional)
          </label>
          <textarea
            id={`${fileId}-operators`}
            aria-describedby={`${fileId}-operators-help`}
            className="mono"
            rows={2}
            spellCheck={false}
            value={operatorKeys}
            data-testid="verifier-operators"
            onChange={(event) => setOperatorKeys(event.target.value)}
          />
          <span className="field-help" id={`${fileId}-operators-help`}>
            Leave empty to accept any operator key the receipt names.
          </span>
        </div>
        <div className="form-actions">
          <button
            type="button"
            className="button button-primary"
            onClick={() => verify()}
            data-testid="verifier-verify"
          >
            Verify
          </button>
        </div>
      </div>
      {outcome && <VerifierResult outcome={outcome} />}
    </section>
  );
}

function verdictHeadline(result: VerifyResult): string {
  if (result.ok) return 'Valid — the action was allowed';
  if (verdictKind(result) === 'untrusted')
    return 'Valid signatures, but from a key you do not trust — compare its fingerprint before adding it';
  if (!result.valid) return 'Invalid receipt — do not trust it';
  switch (result.verdict) {
    case 'block':
      return 'Valid receipt — the action was blocked';
    case 'suspend':
      return 'Valid receipt — still waiting for an approver';
    case 'allow':
      return 'Valid receipt';
    default: {
      const unreachable: never = result.verdict;
      return unreachable;
    }
  }
}

function VerifierResult({ outcome }: { outcome: Outcome }) {
  const ref = useRef<HTMLDivElement>(null);
  // Each new verdict is brought into view and focused, so it is seen (and read) after pressing Verify.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs for each new outcome on purpose
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'nearest' });
    ref.current?.focus({ preventScroll: true });
  }, [outcome]);
  if (outcome.kind === 'error') {
    return (
      <div
        ref={ref}
        tabIndex={-1}
        className="alert alert-error"
        role="alert"
        data-testid="verifier-result"
        data-ok="false"
      >
        {outcome.message}
      </div>
    );
  }
  const { result } = outcome;
  const kind = verdictKind(result);
  const facts = receiptFacts(outcome.receipt);
  return (
    <div
      ref={ref}
      tabIndex={-1}
      className={`alert verifier-result ${VERDICT_TONE[kind]}`}
      role="status"
      aria-live="polite"
      data-testid="verifier-result"
      data-ok={String(result.ok)}
      data-valid={String(result.valid)}
      data-kind={kind}
    >
      <h2 className="verdict-headline">{verdictHeadline(result)}</h2>
      <dl className="facts facts-compact">
        {facts && (
          <>
            <div className="fact">
              <dt>Action</dt>
              <dd data-testid="verifier-action">
                <Visible text={`${facts.tool} on ${facts.account}`} />
              </dd>
            </div>
            <div className="fact">
              <dt>Approver's reason</dt>
              <dd data-testid="verifier-reason">
                <Visible text={facts.reason ?? '—'} />
              </dd>
            </div>
          </>
        )}
        <div className="fact">
          <dt>Effective verdict</dt>
          <dd className="mono" data-testid="verifier-verdict">
            {result.verdict}
          </dd>
        </div>
        <div className="fact">
          <dt>Verdict the operator signed</dt>
          <dd className="mono">{result.claimedVerdict ?? '—'}</dd>
        </div>
        <div className="fact">
          <dt>Operator key id</dt>
          <dd className="mono break">{result.operatorKeyId ?? '—'}</dd>
        </div>
        <div className="fact">
          <dt>Approver key id</dt>
          <dd className="mono break">{result.approverKeyId ?? '—'}</dd>
        </div>
        <div className="fact">
          <dt>Decision</dt>
          <dd>{result.decision ?? '—'}</dd>
        </div>
      </dl>
      {outcome.unwrapped && <p className="field-help">The receipt was read from the document's “receipt” field.</p>}
      {result.reasons.length > 0 ? (
        <>
          <h3>Reasons</h3>
          <ul className="reasons" data-testid="verifier-reasons">
            {result.reasons.map((reason, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: reasons are an ordered, static list
              <li key={i} data-code={reason.code}>
                <span className="reason-code mono">{reason.code}</span> <Visible text={reason.message} />
                {reason.field && (
                  <span className="cell-sub mono">
                    at <Visible text={reason.field} />
                  </span>
                )}
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p>Every signature and binding checks out, and every signer is in your trusted keys.</p>
      )}
    </div>
  );
}
