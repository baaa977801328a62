/**
 * The demo's second approver, automated: so that a rule needing two approvals can be seen
 * making progress on one machine. It holds its key in memory only, follows the team's queue,
 * and some seconds after a quorum approval appears it co-signs an approve (checking the
 * operator signature and action hash first, as every approver does). Demo only: a real
 * second approver is a person with their own device.
 */
import type { ControlPlaneClient } from '../client/index.ts';
import { generateKeyPair, type KeyPair, keyIdOf } from '../core/crypto.ts';
import { b64url } from '../core/encoding.ts';
import { buildCosignature } from '../core/statements.ts';

export interface CoApproverOptions {
  client: ControlPlaneClient;
  teamId: string;
  /** How long after an approval appears it approves (so the progress "1 of 2" can be seen). */
  delayMs?: number;
  log?: (line: string) => void;
}

export class DemoCoApprover {
  readonly key: KeyPair = generateKeyPair();
  readonly publicKey = b64url.encode(this.key.publicKey);
  readonly keyId = keyIdOf(this.key.publicKey);
  readonly #opts: CoApproverOptions;
  readonly #seen = new Set<string>();
  #stopped = false;

  constructor(opts: CoApproverOptions) {
    this.#opts = opts;
  }

  /** Enrols the key (pending until the admin activates it). */
  async enrol(name: string): Promise<void> {
    await this.#opts.client.enrolApprover(this.#opts.teamId, { publicKey: this.publicKey, name });
  }

  /** Follows the queue until `stop()`; errors are logged and retried. */
  async run(): Promise<void> {
    let cursor: string | undefined;
    while (!this.#stopped) {
      try {
        const page = await this.#opts.client.listPending(this.#opts.teamId, { cursor, waitSeconds: cursor ? 25 : 0 });
        cursor = page.cursor;
        for (const approval of page.approvals) {
          if (!approval.receipt.statement.quorum || this.#seen.has(approval.id)) continue;
          this.#seen.add(approval.id);
          setTimeout(() => void this.#approve(approval), this.#opts.delayMs ?? 20_000).unref();
        }
      } catch (err) {
        if (this.#stopped) return;
        this.#opts.log?.(`co-approver: ${err instanceof Error ? err.message : String(err)}; retrying`);
        await new Promise((resolve) => setTimeout(resolve, 5_000).unref());
      }
    }
  }

  stop(): void {
    this.#stopped = true;
  }

  async #approve(approval: Parameters<typeof buildCosignature>[0]['approval']): Promise<void> {
    if (this.#stopped) return;
    try {
      const cosignature = buildCosignature({ approval, decision: 'approve' }, this.key.secretKey);
      const after = await this.#opts.client.decide(this.#opts.teamId, approval.id, cosignature);
      this.#opts.log?.(`co-approver approved ${approval.id} (now ${after.status})`);
    } catch (err) {
      // Already decided, expired or vetoed: nothing to add.
      this.#opts.log?.(
        `co-approver did not approve ${approval.id}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
}
