import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Serialised region actions and crash-safe custody (SPEC L1, L2, L4):
 * - `serial_locks`: one row per serialisation key (tenant and region), locked FOR UPDATE by
 *   every transaction that changes the region's keys or protection (PostgreSQL; on SQLite the
 *   write lock of an IMMEDIATE transaction serialises already, the table stays empty).
 * - `vault_objects`: what the software vault seals (provider key, private keys), in a table of
 *   its own rather than among the settings, so the vault can list and re-seal everything.
 * - `tenant_keys.custody_since`: the real time an Importing or Restoring key began taking its
 *   private half into the vault; a start that finds it old reclaims the vault object.
 * - `exchange_keys.state`: BYOK key-exchange keys are single-use and die at expiry and at a lock.
 * - `environments.pending_wrapped_dek`: the DEK an environment is being re-keyed to, recorded
 *   (wrapped) before any file is re-encrypted under it.
 * - `operations.result`: what a finished operation reports beyond its status (JSON).
 */
export function custodyMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('serial_locks')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .execute();
      await db.schema
        .createTable('vault_objects')
        .addColumn('handle', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('sealed', 'text', (c) => c.notNull())
        .execute();
      await db.schema.alterTable('tenant_keys').addColumn('custody_since', 'text').execute();
      await db.schema
        .alterTable('exchange_keys')
        .addColumn('state', 'text', (c) => c.notNull().defaultTo('Active'))
        .execute();
      await db.schema.alterTable('exchange_keys').addColumn('custody_since', 'text').execute();
      await db.schema.alterTable('environments').addColumn('pending_wrapped_dek', 'text').execute();
      await db.schema.alterTable('operations').addColumn('result', 'text').execute();
      // The software vault kept its objects among the settings until now: move them over as they
      // are (still sealed under the master key; nothing is opened here).
      await sql`insert into vault_objects (handle, kind, sealed) select 'provider-key', 'provider-key', value from settings where name = 'vault.software.providerKey'`.execute(
        db,
      );
      await sql`insert into vault_objects (handle, kind, sealed) select substr(name, 27), 'private-key', value from settings where name like 'vault.software.privateKey.%'`.execute(
        db,
      );
      await sql`delete from settings where name like 'vault.software.%'`.execute(db);
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('operations').dropColumn('result').execute();
      await db.schema.alterTable('environments').dropColumn('pending_wrapped_dek').execute();
      await db.schema.alterTable('exchange_keys').dropColumn('custody_since').execute();
      await db.schema.alterTable('exchange_keys').dropColumn('state').execute();
      await db.schema.alterTable('tenant_keys').dropColumn('custody_since').execute();
      await db.schema.dropTable('vault_objects').execute();
      await db.schema.dropTable('serial_locks').execute();
    },
  };
}
