/**
 * The operator's own copy of every receipt it signs (`<data dir>/receipts/`), kept after the
 * outbox has pushed it, so an operator can prove what ran even when the control plane is
 * gone. One file per receipt; the co-signed version replaces the plain one, never the
 * reverse. Retention: the newest `maxReceipts` (default 10 000) by issuedAt; older ones are
 * deleted as new ones arrive. `heso receipts export --local` prints them as JSON Lines.
 */
import { existsSync, mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '../core/crypto.ts';
import { toHex, utf8 } from '../core/encoding.ts';
import { Receipt } from '../core/schemas.ts';
import { dataDirPaths } from './data-dir.ts';
import { writeFileDurable } from './fsutil.ts';
import { readStored } from './stored-file.ts';

export const DEFAULT_KEPT_RECEIPTS = 10_000;

/** A receipt's file name, derived from its id alone (safe for any id, the same in every folder). */
export const receiptFileName = (receiptId: string) => `${toHex(sha256(utf8.encode(receiptId))).slice(0, 40)}.json`;

export interface ReceiptArchiveOptions {
  /** How many receipts to keep, newest by issuedAt; 0 keeps none. Default 10 000. */
  maxReceipts?: number;
}

export class ReceiptArchive {
  readonly dir: string;
  readonly maxReceipts: number;

  constructor(dataDir: string, opts: ReceiptArchiveOptions = {}) {
    this.dir = dataDirPaths(dataDir).receipts;
    this.maxReceipts = opts.maxReceipts ?? DEFAULT_KEPT_RECEIPTS;
  }

  /** Keeps `receipt` durably (a co-signed one replaces the plain one), then trims to `maxReceipts`. */
  keep(receipt: Receipt): void {
    if (this.maxReceipts <= 0) return;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    // The issuedAt prefix makes the names sort oldest first, so trimming needs no file reads.
    const st = receipt.statement;
    const file = join(
      this.dir,
      `${String(Date.parse(st.issuedAt)).padStart(15, '0')}-${receiptFileName(st.receiptId)}`,
    );
    if (existsSync(file) && (!isCosigned(receipt) || isCosigned(readReceipt(file)))) return;
    writeFileDurable(file, `${JSON.stringify(receipt)}\n`);
    this.#trim();
  }

  /** Kept receipts, oldest first. Unreadable files are skipped. */
  list(): Receipt[] {
    return this.#names()
      .map((name) => readReceipt(join(this.dir, name)))
      .filter((r): r is Receipt => r !== null);
  }

  #names(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((n) => /^\d{15}-[0-9a-f]{40}\.json$/.test(n))
      .sort();
  }

  #trim(): void {
    const names = this.#names();
    for (const name of names.slice(0, Math.max(0, names.length - this.maxReceipts))) {
      try {
        unlinkSync(join(this.dir, name));
      } catch {
        // already gone (another process trimmed it)
      }
    }
  }
}

/** A receipt file, or null when it is missing, torn or not a receipt. */
export function readReceipt(file: string): Receipt | null {
  const read = readStored(file, Receipt);
  return read.kind === 'ok' ? read.value : null;
}

/** Carries the approver side: a co-signature, or a quorum's co-signatures. */
export function isCosigned(receipt: Receipt | null | undefined): boolean {
  return Boolean(receipt?.cosignature || receipt?.cosignatures);
}
