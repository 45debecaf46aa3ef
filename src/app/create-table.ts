import { assertEmbedded } from '../domain/engine.js';
import { assertMayAddFileColumn } from '../domain/environment.js';
import type { Principal } from '../domain/principal.js';
import { assertValidTableDefinition, hasFileOrImageColumn, type TableDefinition } from '../domain/table-schema.js';
import { assertWithinQuota } from '../domain/quotas.js';
import type { AppDeps } from './deps.js';
import { withEnvironmentData } from './environment-data.js';
import { loadEnvironmentFor } from './load.js';

/**
 * Creates a table inside the environment's encrypted database. A file or image column marks the
 * environment as not eligible for a tenant key (R2); the mark is set before the table exists,
 * so a crash can only leave an environment marked too strictly, never too loosely.
 */
export async function createTable(deps: AppDeps, actor: Principal, environmentId: string, table: TableDefinition): Promise<TableDefinition> {
  assertValidTableDefinition(table);
  let env = await loadEnvironmentFor(deps.store, actor, environmentId, 'data.write');
  assertEmbedded(env, 'its tables and rows');
  if (hasFileOrImageColumn(table)) {
    assertMayAddFileColumn(env);
    if (!env.hasFileColumns) {
      env = { ...env, hasFileColumns: true };
      await deps.store.environments.setHasFileColumns(env.id, true);
    }
  }
  await withEnvironmentData(deps, env, (db) => {
    assertWithinQuota(deps.limits.quotas, 'tablesPerEnvironment', db.listTables().length);
    db.createTable(table);
  });
  return table;
}
