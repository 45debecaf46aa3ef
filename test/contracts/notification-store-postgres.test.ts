import { openStore } from '../../src/adapters/store/open-store.js';
import { describeOnPostgres, url } from './audit-store-postgres-target.js';
import { notificationStoreContract } from './notification-store.contract.js';

await describeOnPostgres('Notification queue contract on PostgreSQL', 'notify', (schema) => {
  notificationStoreContract({ open: () => openStore({ kind: 'postgres', url, schema }) });
});
