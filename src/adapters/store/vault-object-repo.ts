import type { Kysely } from 'kysely';
import type { VaultObjectKind, VaultObjectRepo } from '../../ports/vault.js';
import type { Executor } from './executor.js';
import type { ControlDatabase } from './schema.js';

/** The row naming the master key everything is sealed under (a fingerprint, not a key). */
const MARKER = '$sealing-key';
const LOCK = 'vault-objects';

/**
 * The software vault's sealed objects (migration 0007). `db` is the store's ambient executor
 * (kysely-store.ts): inside a unit of work these statements are part of it. Writes take the
 * table's serial lock (in the caller's transaction, or one of their own) and check the marker,
 * so a re-seal under a new master key never interleaves with a write under the old one.
 * `afterCommit` schedules the scrub for once the unit has committed, or runs it at once.
 */
export function vaultObjectRepo(db: Executor, afterCommit: (work: () => Promise<void>) => Promise<void>): VaultObjectRepo {
  const getOn = async (q: Kysely<ControlDatabase>, handle: string): Promise<string | undefined> =>
    (await q.selectFrom('vault_objects').select('sealed').where('handle', '=', handle).executeTakeFirst())?.sealed;
  /** Runs `work` holding the table's lock: in the ambient transaction, or in one of its own. */
  const locked = async <T>(work: (trx: Kysely<ControlDatabase>) => Promise<T>): Promise<T> => {
    const executor = db();
    const run = async (trx: Kysely<ControlDatabase>) => {
      await db.dialect.lockKey(trx, LOCK);
      return work(trx);
    };
    return executor.isTransaction ? run(executor) : executor.transaction().execute(run);
  };

  return {
    get: (handle) => getOn(db(), handle),

    putIfAbsent(handle, kind: VaultObjectKind, sealed, sealedUnder) {
      return locked(async (trx) => {
        const marker = await getOn(trx, MARKER);
        if (marker === undefined) await trx.insertInto('vault_objects').values({ handle: MARKER, kind: 'marker', sealed: sealedUnder }).execute();
        else if (marker !== sealedUnder) return { stale: true as const };
        // Insert-or-nothing and then read: two instances racing agree on the first one written.
        await trx
          .insertInto('vault_objects')
          .values({ handle, kind, sealed })
          .onConflict((oc) => oc.column('handle').doNothing())
          .execute();
        const stored = await getOn(trx, handle);
        if (stored === undefined) throw new Error(`Vault object ${handle} vanished right after it was written.`);
        return { stored };
      });
    },

    async list(kind) {
      const rows = await db().selectFrom('vault_objects').select('handle').where('kind', '=', kind).orderBy('handle').execute();
      return rows.map((r) => r.handle);
    },

    sealingKey: () => getOn(db(), MARKER),

    resealAll(from, to, reseal) {
      return locked(async (trx) => {
        if ((await getOn(trx, MARKER)) !== from) return false;
        const rows = await trx.selectFrom('vault_objects').selectAll().where('handle', '<>', MARKER).execute();
        for (const row of rows) {
          const sealed = reseal({ handle: row.handle, kind: row.kind as VaultObjectKind, sealed: row.sealed });
          await trx.updateTable('vault_objects').set({ sealed }).where('handle', '=', row.handle).execute();
        }
        await trx.updateTable('vault_objects').set({ sealed: to }).where('handle', '=', MARKER).execute();
        return true;
      });
    },

    async remove(handle) {
      await db().deleteFrom('vault_objects').where('handle', '=', handle).execute();
    },

    scrub() {
      return afterCommit(() => db.dialect.scrub(db(), 'vault_objects'));
    },
  };
}
