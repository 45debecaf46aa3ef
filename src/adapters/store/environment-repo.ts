import type { EncryptionStatus } from '../../domain/environment.js';
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

    async swapProtection(id, expectedWrappedDek, next) {
      const result = await db()
        .updateTable('environments')
        .set({ wrapped_dek: next.wrappedDek, encryption_mode: next.mode, encryption_key_id: next.keyId, encryption_status: next.status })
        .where('id', '=', id)
        .where('wrapped_dek', '=', expectedWrappedDek)
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },

    async moveStatus(id, from, to, lockedAt) {
      const result = await db()
        .updateTable('environments')
        .set({ encryption_status: to, ...(lockedAt === undefined ? {} : { locked_at: lockedAt?.toISOString() ?? null }) })
        .where('id', '=', id)
        .where('encryption_status', 'in', [...from])
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },

    async moveRegionStatus(tenantId, region, from, to, lockedAt) {
      const result = await db()
        .updateTable('environments')
        .set({ encryption_status: to, ...(lockedAt === undefined ? {} : { locked_at: lockedAt?.toISOString() ?? null }) })
        .where('tenant_id', '=', tenantId)
        .where('region', '=', region)
        .where('encryption_mode', '=', 'tenant')
        .where('encryption_status', 'in', [...from])
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async statusesOf(ids) {
      if (ids.length === 0) return new Map();
      const rows = await db()
        .selectFrom('environments')
        .select(['id', 'encryption_status'])
        .where('id', 'in', [...ids])
        .execute();
      return new Map(rows.map((r) => [r.id, r.encryption_status as EncryptionStatus]));
    },

    async countByStatus(tenantId, status) {
      const row = await db()
        .selectFrom('environments')
        .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
        .where('tenant_id', '=', tenantId)
        .where('encryption_status', '=', status)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
