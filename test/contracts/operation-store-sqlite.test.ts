import { describeOnSqlite } from './operation-store-fixtures.js';
import { operationStoreContract } from './operation-store.contract.js';

describeOnSqlite('Operation store contract on embedded SQLite', operationStoreContract);
