/** The decisions-and-quorum store contract against both stores: SQLite and PostgreSQL. */
import { after, describe } from 'node:test';
import { storeBackends } from '../support/stores.ts';
import { describeQuorumStoreContract } from './contract/quorum-store.ts';

for (const backend of storeBackends()) {
  describe(backend.name, { skip: backend.skip }, () => {
    after(() => backend.cleanup());
    // Each open is a fresh database; the backend closes and removes them all at the end.
    describeQuorumStoreContract(backend.name, async () => ({
      store: (await backend.open()).store,
      dispose: async () => {},
    }));
  });
}
