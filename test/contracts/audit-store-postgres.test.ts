import { openStore } from '../../src/adapters/store/open-store.js';
import { auditStoreContract } from './audit-store.contract.js';
import { describeOnPostgres, sql, url } from './audit-store-postgres-target.js';

await describeOnPostgres('Audit log contract on PostgreSQL', 'audit', (schema) => {
  auditStoreContract({
    open: () => openStore({ kind: 'postgres', url, schema }),
    sql: async (statement) => {
      await sql(`set search_path to "${schema}"; ${statement}`);
    },
    // Two instances here are two connection pools, as two servers would have.
    instancesInOneProcess: true,
  });
});
