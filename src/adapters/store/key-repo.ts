import type { ExchangeKeyRepo, KeyRepo } from '../../ports/key-store.js';
import { assertOneRow, insertUnique, type Executor } from './executor.js';
import { exchangeKeyFromRow, exchangeKeyToRow, tenantKeyFromRow, tenantKeyToRow } from './row-mapping.js';

export function keyRepo(db: Executor): KeyRepo {
  return {
    async insert(key) {
      await insertUnique(
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

    async update(key) {
      const { id: _id, ...columns } = tenantKeyToRow(key);
      // A unique index keeps one Active key per region; a racing activation surfaces here.
      let result: { numUpdatedRows: bigint } | undefined;
      await insertUnique(async () => {
        result = await db().updateTable('tenant_keys').set(columns).where('id', '=', key.id).executeTakeFirst();
      }, 'Another key of this region changed at the same moment; try again.');
      assertOneRow(result!, 'No such key.');
    },
  };
}

export function exchangeKeyRepo(db: Executor): ExchangeKeyRepo {
  return {
    async insert(kek) {
      await insertUnique(() => db().insertInto('exchange_keys').values(exchangeKeyToRow(kek)).execute(), 'This key-exchange key exists already.');
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
        .orderBy('expires_at', 'desc')
        .executeTakeFirst();
      return row && exchangeKeyFromRow(row);
    },
  };
}
