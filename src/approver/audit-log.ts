/**
 * The device's append-only audit log: one JSON line per enrolment, rotation and decision.
 * Each line is the JCS text of `{ entry, signature }`: the entry carries the previous
 * line's hash and a sequence number, and the signature is the profile's L1 key over the
 * entry's JCS bytes. A small head file remembers the last sequence number and hash, so
 * removing entries from the end is noticed too. `verify` walks the chain and names the
 * first entry that was edited, removed or reordered.
 *
 * The log holds no secrets: ids, hashes, decisions, reasons, public key ids.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { canonicalize } from '../core/canonical.ts';
import { sha256, verifyBytes } from '../core/crypto.ts';
import { b64url, toHex, utf8 } from '../core/encoding.ts';
import { AUDIT_ENTRY_TYPE, Decision, Id, JsonObjectSchema, KeyId, SignatureB64, Timestamp } from '../core/schemas.ts';
import { writeFileDurableAsync } from '../sdk/fsutil.ts';
import { readStoredAsync } from '../sdk/stored-file.ts';
import type { AuditEntryView, AuditLogVerification, DecidedView } from './api.ts';
import { withFileLock } from './file-lock.ts';

export const AUDIT_FILE = 'audit.jsonl';
export const AUDIT_HEAD_FILE = 'audit.head.json';

const HashText = z.string().regex(/^sha256:[0-9a-f]{64}$/);

export const SignedAuditEntry = z.strictObject({
  type: z.literal(AUDIT_ENTRY_TYPE),
  seq: z.number().int().min(1),
  /** Hash of the previous line; null for the first entry. */
  prevHash: HashText.nullable(),
  at: Timestamp,
  kind: z.enum(['enrol', 'rotate', 'decision']),
  profile: Id,
  teamId: Id,
  /** The L1 key that signed this entry. */
  keyId: KeyId,
  summary: z.string().max(4000),
  approvalId: Id.nullable(),
  decision: Decision.nullable(),
  details: JsonObjectSchema,
});
export type SignedAuditEntry = z.infer<typeof SignedAuditEntry>;

const AuditLine = z.strictObject({ entry: SignedAuditEntry, signature: SignatureB64 });
type AuditLine = z.infer<typeof AuditLine>;

const AuditHead = z.strictObject({ seq: z.number().int().min(0), hash: HashText.nullable() });

export type AuditAppendInput = Pick<SignedAuditEntry, 'kind' | 'summary' | 'approvalId' | 'decision' | 'details'>;

/** Signs with the L1 key inside the engine; the log never sees the key itself. */
export interface AuditSigner {
  keyId: string;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

function lineHash(lineText: string): string {
  return `sha256:${toHex(sha256(utf8.encode(lineText)))}`;
}

/** The parts of a decision entry's details the app shows; each optional, checked, never cast. */
const DecidedDetails = z.object({
  action: z.strictObject({ tool: Id, account: Id, workflow: Id, params: JsonObjectSchema }).optional().catch(undefined),
  shortCode: z.string().max(40).optional().catch(undefined),
  reason: z.string().max(4000).optional().catch(undefined),
  outcome: z.string().max(40).optional().catch(undefined),
  receiptId: z.string().max(200).optional().catch(undefined),
  actionHash: z.string().max(100).optional().catch(undefined),
});

function decidedOf(entry: SignedAuditEntry): DecidedView | null {
  if (entry.kind !== 'decision') return null;
  const d = DecidedDetails.safeParse(entry.details);
  if (!d.success) return null;
  return {
    action: d.data.action ?? null,
    shortCode: d.data.shortCode ?? null,
    reason: d.data.reason ?? null,
    outcome: d.data.outcome ?? null,
    receiptId: d.data.receiptId ?? null,
    actionHash: d.data.actionHash ?? null,
  };
}

function viewOf(entry: SignedAuditEntry, hash: string): AuditEntryView {
  return {
    seq: entry.seq,
    kind: entry.kind,
    at: entry.at,
    summary: entry.summary,
    approvalId: entry.approvalId,
    decision: entry.decision,
    hash,
    decided: decidedOf(entry),
  };
}

export class SignedAuditLog {
  readonly path: string;
  readonly headPath: string;
  readonly #dir: string;

  constructor(
    dir: string,
    readonly profile: string,
    readonly teamId: string,
  ) {
    this.#dir = dir;
    this.path = join(dir, AUDIT_FILE);
    this.headPath = join(dir, AUDIT_HEAD_FILE);
  }

  /**
   * Appends one signed entry chained to the last line. One writer per profile: appends are
   * serialised across every SignedAuditLog on this file in this process and, through a lock file,
   * across processes (the CLI and the app deciding at once), so sequence numbers never fork.
   */
  append(input: AuditAppendInput, signer: AuditSigner, at: string): Promise<AuditEntryView> {
    return withFileLock(this.path, async () => {
      await mkdir(this.#dir, { recursive: true, mode: 0o700 });
      const lines = await this.#lines();
      const last = lines.at(-1);
      let prevSeq = 0;
      if (last !== undefined) {
        const parsed = parseLine(last);
        prevSeq = parsed ? parsed.entry.seq : lines.length;
      }
      const entry: SignedAuditEntry = SignedAuditEntry.parse({
        type: AUDIT_ENTRY_TYPE,
        seq: prevSeq + 1,
        prevHash: last === undefined ? null : lineHash(last),
        at,
        profile: this.profile,
        teamId: this.teamId,
        keyId: signer.keyId,
        ...input,
      });
      const signature = b64url.encode(await signer.sign(utf8.encode(canonicalize(entry))));
      const text = canonicalize({ entry, signature } satisfies AuditLine);
      const handle = await open(this.path, 'a', 0o600);
      try {
        await handle.appendFile(`${text}\n`, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      const hash = lineHash(text);
      await writeFileDurableAsync(this.headPath, `${JSON.stringify({ seq: entry.seq, hash })}\n`);
      return viewOf(entry, hash);
    });
  }

  /** Entries as recorded, skipping lines that do not parse (verify() reports those). */
  async entries(): Promise<AuditEntryView[]> {
    const out: AuditEntryView[] = [];
    for (const text of await this.#lines()) {
      const line = parseLine(text);
      if (line) out.push(viewOf(line.entry, lineHash(text)));
    }
    return out;
  }

  /**
   * Walks the chain. `keys` maps the key ids this profile has used to their public keys
   * (base64url), from the profiles file: a line signed by any other key is refused.
   */
  async verify(keys: ReadonlyMap<string, string>): Promise<AuditLogVerification> {
    const lines = await this.#lines();
    const headRead = await readStoredAsync(this.headPath, AuditHead);
    const result = verifyLines(lines, keys, this.teamId);
    if (!result.ok) return { ok: false, count: result.count, problem: result.problem };
    if (headRead.kind === 'damaged')
      return fail(
        lines.length,
        `${this.headPath} is ${headRead.problem}, so entries removed from the end could not be noticed; it was left as it is`,
      );
    if (headRead.kind === 'missing') return { ok: true, count: result.count, problem: null };
    const head = headRead.value;
    const lastSeq = result.lastSeq;
    if (head.seq > lastSeq) {
      const missing = head.seq === lastSeq + 1 ? `entry ${head.seq}` : `entries ${lastSeq + 1}–${head.seq}`;
      return fail(
        lines.length,
        `${missing} removed from the end of the log (this device recorded ${head.seq} entries)`,
      );
    }
    if (head.seq === lastSeq && lines.length > 0 && head.hash !== lineHash(lines.at(-1)!)) {
      return fail(lines.length, `entry ${lastSeq} (the last one) was replaced after it was written`);
    }
    return { ok: true, count: result.count, problem: null };
  }

  async #lines(): Promise<string[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return text.split('\n').filter((l) => l.length > 0);
  }

  /** Moves the log aside (kept as evidence) when its profile is removed. */
  async archive(suffix: string): Promise<void> {
    // Under the writers' lock: an entry written while the log moves would start a new, orphaned log.
    await withFileLock(this.path, async () => {
      for (const p of [this.path, this.headPath]) {
        await rename(p, `${p}.${suffix}`).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        });
      }
    });
  }
}

function parseLine(text: string): AuditLine | null {
  try {
    const r = AuditLine.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

function fail(count: number, problem: string): AuditLogVerification & { lastSeq: number } {
  return { ok: false, count, problem, lastSeq: 0 };
}

/** Pure chain check over the raw lines; exported for tests. */
export function verifyLines(
  lines: readonly string[],
  keys: ReadonlyMap<string, string>,
  teamId: string,
): AuditLogVerification & { lastSeq: number } {
  const parsed = lines.map(parseLine);
  const seqsPresent = new Set(parsed.flatMap((l) => (l ? [l.entry.seq] : [])));
  let prevHash: string | null = null;
  let expectedSeq = 1;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = parsed[i];
    if (!line) return fail(i, `line ${lineNo} was edited: it is not a well-formed signed entry`);
    const { entry, signature } = line;
    const name = `entry ${entry.seq} (line ${lineNo})`;
    if (entry.seq !== expectedSeq) {
      if (entry.seq < expectedSeq || seqsPresent.has(expectedSeq)) {
        return fail(i, `${name} is out of order: entry ${expectedSeq} belongs here (entries were reordered)`);
      }
      const gap = entry.seq === expectedSeq + 1 ? `entry ${expectedSeq}` : `entries ${expectedSeq}–${entry.seq - 1}`;
      const where = expectedSeq === 1 ? 'from the start of the log' : `after entry ${expectedSeq - 1}`;
      return fail(i, `${gap} removed ${where} (next is ${name})`);
    }
    const publicKey = keys.get(entry.keyId);
    if (publicKey === undefined)
      return fail(i, `${name} is signed by key ${entry.keyId}, which this profile never used`);
    let signatureOk = false;
    try {
      signatureOk = verifyBytes(b64url.decode(signature), utf8.encode(canonicalize(entry)), b64url.decode(publicKey));
    } catch {
      signatureOk = false;
    }
    if (!signatureOk) return fail(i, `${name} was edited: its signature does not match its content`);
    if (entry.teamId !== teamId) return fail(i, `${name} belongs to team ${entry.teamId}, not ${teamId}`);
    if (entry.prevHash !== prevHash) {
      return fail(
        i,
        i === 0
          ? `${name} claims to follow an earlier entry, but it is the first line (the start of the log was removed)`
          : `entry ${entry.seq - 1} (line ${lineNo - 1}) was changed after ${name} was written`,
      );
    }
    prevHash = lineHash(lines[i]!);
    expectedSeq += 1;
  }
  return { ok: true, count: lines.length, problem: null, lastSeq: expectedSeq - 1 };
}
