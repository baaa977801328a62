/** The decisions-and-quorum store contract against the embedded SQLite store. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteCloudStore } from '../../src/cloud/sqlite-store.ts';
import { describeQuorumStoreContract } from './contract/quorum-store.ts';

describeQuorumStoreContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heso-quorum-store-'));
  const store = new SqliteCloudStore({ path: join(dir, 'cloud.db') });
  return {
    store,
    dispose: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
