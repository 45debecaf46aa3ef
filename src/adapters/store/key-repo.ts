import type { ExchangeKeyRepo, KeyRepo } from '../../ports/key-store.js';
import { assertOneRow, insertUnique, type Executor } from './executor.js';
import { exchangeKeyFromRow, exchangeKeyToRow, tenantKeyFromRow, tenantKeyToRow } from './row-mapping.js';

export function keyRepo(db: Executor): KeyRepo {
  return {
    async insert(key) {
      await insertUnique(
        db,
        () => db().insertInto('tenant_keys').values(tenantKeyToRow(key)).execute(),
        'The tenant already has a key with this thumbprint or name.',
      );
    },

    async get(id) {
      const row = await db().selectFrom('tenant_keys').selectAll().where('id', '=', id).executeTakeFirst();
      return row && tenantKeyFromRow(row);
    },

    async listByTenant(tenantId, region) {
      let query = db().selectFrom('tenant_keys').selectAll().where('tenant_id', '=', tenantId).where('state', '<>', 'Deleted');
      if (region !== undefined) query = query.where('region', '=', region);
      const rows = await query.orderBy('created_at').orderBy('id').execute();
      return rows.map(tenantKeyFromRow);
    },

    async findByThumbprint(tenantId, thumbprint) {
      const row = await db()
        .selectFrom('tenant_keys')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('thumbprint', '=', thumbprint)
        .where('state', '<>', 'Deleted')
        .executeTakeFirst();
      return row && tenantKeyFromRow(row);
    },

    async listTakingCustodySince(before) {
      const rows = await db()
        .selectFrom('tenant_keys')
        .selectAll()
        .where('state', 'in', ['Importing', 'Restoring'])
        .where((w) => w.or([w('custody_since', 'is', null), w('custody_since', '<', before.toISOString())]))
        .orderBy('id')
        .execute();
      return rows.map(tenantKeyFromRow);
    },

    async update(key) {
      const { id: _id, ...columns } = tenantKeyToRow(key);
      // A unique index keeps one Active key per region; a racing activation surfaces here.
      let result: { numUpdatedRows: bigint } | undefined;
      await insertUnique(
        db,
        async () => {
          result = await db().updateTable('tenant_keys').set(columns).where('id', '=', key.id).executeTakeFirst();
        },
        'Another key of this region changed at the same moment; try again.',
      );
      assertOneRow(result!, 'No such key.');
    },
  };
}

export function exchangeKeyRepo(db: Executor): ExchangeKeyRepo {
  return {
    async insert(kek) {
      await insertUnique(db, () => db().insertInto('exchange_keys').values(exchangeKeyToRow(kek)).execute(), 'This key-exchange key exists already.');
    },

    async get(id) {
      const row = await db().selectFrom('exchange_keys').selectAll().where('id', '=', id).executeTakeFirst();
      return row && exchangeKeyFromRow(row);
    },

    async findCurrent(tenantId, region, now) {
      const row = await db()
        .selectFrom('exchange_keys')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('region', '=', region)
        .where('expires_at', '>', now.toISOString())
        .where('state', '=', 'Active')
        .orderBy('expires_at', 'desc')
        .executeTakeFirst();
      return row && exchangeKeyFromRow(row);
    },

    async listLive(tenantId, region) {
      const rows = await db()
        .selectFrom('exchange_keys')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('region', '=', region)
        .where('state', '<>', 'Destroyed')
        .orderBy('id')
        .execute();
      return rows.map(exchangeKeyFromRow);
    },

    async listDue(now, custodyBefore) {
      const rows = await db()
        .selectFrom('exchange_keys')
        .selectAll()
        .where('state', '<>', 'Destroyed')
        .where((w) =>
          w.or([
            w('expires_at', '<=', now.toISOString()),
            w.and([w('state', '=', 'Importing'), w.or([w('custody_since', 'is', null), w('custody_since', '<', custodyBefore.toISOString())])]),
          ]),
        )
        .orderBy('id')
        .execute();
      return rows.map(exchangeKeyFromRow);
    },

    async move(id, from, to) {
      const result = await db()
        .updateTable('exchange_keys')
        .set({ state: to, ...(to === 'Importing' ? {} : { custody_since: null }) })
        .where('id', '=', id)
        .where('state', '=', from)
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },
  };
}
