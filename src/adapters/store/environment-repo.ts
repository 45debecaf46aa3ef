import type { EnvironmentRepo } from '../../ports/store.js';
import { assertOneRow, insertUnique, type Executor } from './executor.js';
import { caseKey, environmentFromRow, environmentToRow } from './row-mapping.js';

export function environmentRepo(db: Executor): EnvironmentRepo {
  return {
    async insert(env) {
      await insertUnique(
        () => db().insertInto('environments').values(environmentToRow(env)).execute(),
        'An environment with this name (or id) already exists in the tenant.',
      );
    },

    async get(id) {
      const row = await db().selectFrom('environments').selectAll().where('id', '=', id).executeTakeFirst();
      return row && environmentFromRow(row);
    },

    async listByTenant(tenantId) {
      const rows = await db()
        .selectFrom('environments')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('encryption_status', '<>', 'deleted')
        // id breaks ties between environments created in the same millisecond.
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(environmentFromRow);
    },

    async nameExists(tenantId, name) {
      const row = await db()
        .selectFrom('environments')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where('name_key', '=', caseKey(name))
        .where('encryption_status', '<>', 'deleted')
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },

    async update(env) {
      const { id: _id, ...columns } = environmentToRow(env);
      const result = await db().updateTable('environments').set(columns).where('id', '=', env.id).executeTakeFirst();
      assertOneRow(result, 'No such environment.');
    },

    async swapWrappedDek(id, expected, next) {
      // One statement: the database decides which of two racing writers sees `expected`.
      const result = await db()
        .updateTable('environments')
        .set({ wrapped_dek: next })
        .where('id', '=', id)
        .where('wrapped_dek', '=', expected)
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },
  };
}
