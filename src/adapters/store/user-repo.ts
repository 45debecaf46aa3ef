import type { UserRepo } from '../../ports/store.js';
import { insertUnique, type Executor } from './executor.js';
import { caseKey, userFromRow, userRecordFromRow, userToRow } from './row-mapping.js';

export function userRepo(db: Executor): UserRepo {
  return {
    async insert(record) {
      // The unique indexes catch a concurrent duplicate e-mail (or, astronomically, token).
      await insertUnique(
        db,
        () => db().insertInto('users').values(userToRow(record)).execute(),
        'A user with this e-mail already exists in the tenant.',
      );
    },

    async get(id) {
      const row = await db().selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row && userFromRow(row);
    },

    async findByTokenHash(tokenHash) {
      const row = await db().selectFrom('users').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return row && userRecordFromRow(row);
    },

    async listByTenant(tenantId) {
      const rows = await db().selectFrom('users').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at').orderBy('id').execute();
      return rows.map(userFromRow);
    },

    async emailExists(tenantId, email) {
      const row = await db()
        .selectFrom('users')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where('email_key', '=', caseKey(email))
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}
