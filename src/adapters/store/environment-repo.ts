import { LOCKED_STATUSES, movesFrom, movesTo, type EncryptionStatus, type StatusMove } from '../../domain/environment-status.js';
import type { EnvironmentRepo } from '../../ports/store.js';
import { assertOneRow, insertUnique, type Executor } from './executor.js';
import { caseKey, environmentFromRow, environmentToRow } from './row-mapping.js';

/**
 * Environments. Every write of protection or status is one compare-and-set statement, so the
 * database decides which of two racing writers wins; statuses change only by the moves of
 * domain/environment-status.ts.
 */
export function environmentRepo(db: Executor): EnvironmentRepo {
  const statusOf = (move: StatusMove, lockedAt: Date | null | undefined) => ({
    encryption_status: movesTo(move),
    ...(lockedAt === undefined ? {} : { locked_at: lockedAt?.toISOString() ?? null }),
  });

  const external = (id: string) => db().updateTable('environments').where('id', '=', id).where('engine_kind', '<>', 'embedded');

  return {
    async insert(env) {
      await insertUnique(
        db,
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

    async listByRegion(tenantId, region) {
      const rows = await db()
        .selectFrom('environments')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('region', '=', region)
        .where('encryption_status', '<>', 'deleted')
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

    async setHasFileColumns(id, hasFileColumns) {
      const result = await db()
        .updateTable('environments')
        .set({ has_file_columns: hasFileColumns ? 1 : 0 })
        .where('id', '=', id)
        .executeTakeFirst();
      assertOneRow(result, 'No such environment.');
    },

    async swapProtection(id, expectedWrappedDek, next, move) {
      const result = await db()
        .updateTable('environments')
        .set({
          wrapped_dek: next.wrappedDek,
          encryption_mode: next.mode,
          encryption_key_id: next.keyId,
          pending_wrapped_dek: null,
          ...(move === undefined ? {} : { encryption_status: movesTo(move) }),
        })
        .where('id', '=', id)
        .where('wrapped_dek', '=', expectedWrappedDek)
        .$if(move !== undefined, (q) => q.where('encryption_status', 'in', [...movesFrom(move!)]))
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },

    async setPendingWrappedDek(id, pendingWrappedDek) {
      const result = await db()
        .updateTable('environments')
        .set({ pending_wrapped_dek: pendingWrappedDek })
        .where('id', '=', id)
        .where('encryption_status', '=', 'updating')
        .where('pending_wrapped_dek', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },

    async moveStatus(id, move, lockedAt) {
      const result = await db()
        .updateTable('environments')
        .set(statusOf(move, lockedAt))
        .where('id', '=', id)
        .where('encryption_status', 'in', [...movesFrom(move)])
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },

    async moveRegionStatus(tenantId, region, move, lockedAt) {
      const result = await db()
        .updateTable('environments')
        .set(statusOf(move, lockedAt))
        .where('tenant_id', '=', tenantId)
        .where('region', '=', region)
        .where('encryption_mode', '=', 'tenant')
        .where('encryption_status', 'in', [...movesFrom(move)])
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async shred(id, move) {
      const result = await db()
        .updateTable('environments')
        .set({ encryption_status: movesTo(move), wrapped_dek: '', pending_wrapped_dek: null })
        .where('id', '=', id)
        .where('encryption_status', 'in', [...movesFrom(move)])
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
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

    async setEngineToken(id, tokenHash) {
      const result = await external(id).set({ engine_token_hash: tokenHash }).where('encryption_status', '<>', 'deleted').executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },

    async advanceEngineKeyVersion(id, from) {
      const result = await external(id)
        .set({ engine_key_version: from + 1 })
        .where('engine_key_version', '=', from)
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },

    async recordEngineStop(id, at) {
      const result = await external(id)
        .set({ engine_stopped_at: at?.toISOString() ?? null })
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },

    async recordEngineKeyFetch(id, at) {
      await external(id).set({ engine_key_fetch_at: at.toISOString() }).execute();
    },

    async countLocked(tenantId) {
      const row = await db()
        .selectFrom('environments')
        .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
        .where('tenant_id', '=', tenantId)
        .where('encryption_status', 'in', [...LOCKED_STATUSES])
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
