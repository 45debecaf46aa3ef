import { describeOnPostgres } from './operation-store-fixtures.js';
import { operationStoreContract } from './operation-store.contract.js';

// Fails (rather than skips) when CI is set and PostgreSQL is unreachable: see describeOnPostgres.
await describeOnPostgres('Operation store contract on PostgreSQL', operationStoreContract);
