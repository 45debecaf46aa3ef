import type { VaultObjectKind, VaultObjectRepo } from '../../ports/vault.js';
import type { Executor } from './executor.js';

/**
 * The software vault's sealed objects (migration 0007). `db` is the store's ambient executor
 * (kysely-store.ts): inside a unit of work these statements are part of it. `afterCommit`
 * schedules the scrub for once that unit has committed, or runs it at once outside one.
 */
export function vaultObjectRepo(db: Executor, afterCommit: (work: () => Promise<void>) => Promise<void>): VaultObjectRepo {
  const get = async (handle: string): Promise<string | undefined> => {
    const row = await db().selectFrom('vault_objects').select('sealed').where('handle', '=', handle).executeTakeFirst();
    return row?.sealed;
  };

  return {
    get,

    async putIfAbsent(handle, kind: VaultObjectKind, sealed) {
      // Insert-or-nothing and then read: two instances racing agree on the first one written.
      await db()
        .insertInto('vault_objects')
        .values({ handle, kind, sealed })
        .onConflict((oc) => oc.column('handle').doNothing())
        .execute();
      const stored = await get(handle);
      if (stored === undefined) throw new Error(`Vault object ${handle} vanished right after it was written.`);
      return stored;
    },

    async list(kind) {
      const rows = await db().selectFrom('vault_objects').select('handle').where('kind', '=', kind).orderBy('handle').execute();
      return rows.map((r) => r.handle);
    },

    async remove(handle) {
      await db().deleteFrom('vault_objects').where('handle', '=', handle).execute();
    },

    scrub() {
      return afterCommit(() => db.dialect.scrub(db(), 'vault_objects'));
    },
  };
}
