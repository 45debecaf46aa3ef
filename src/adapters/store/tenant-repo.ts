import type { TenantRepo } from '../../ports/store.js';
import { assertOneRow, insertUnique, type Executor } from './executor.js';
import { tenantFromRow, tenantToRow } from './row-mapping.js';

export function tenantRepo(db: Executor): TenantRepo {
  return {
    async insert(tenant) {
      await insertUnique(db, () => db().insertInto('tenants').values(tenantToRow(tenant)).execute(), 'A tenant with this id already exists.');
    },

    async get(id) {
      const row = await db().selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
      return row && tenantFromRow(row);
    },

    async list() {
      const rows = await db().selectFrom('tenants').selectAll().orderBy('created_at').orderBy('id').execute();
      return rows.map(tenantFromRow);
    },

    async update(tenant) {
      const { id: _id, ...columns } = tenantToRow(tenant);
      const result = await db().updateTable('tenants').set(columns).where('id', '=', tenant.id).executeTakeFirst();
      assertOneRow(result, 'No such tenant.');
    },
  };
}
