import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Backups (R16): one row per consistent copy of an environment's database. The copy itself is
 * a file of the data plane; the row says which environment it belongs to, when it was taken
 * and what protected the environment then. No key material: the copy is under the
 * environment's DEK, which only the environment's record holds (wrapped). Rows go when the
 * environment is reset, deleted or purged (R14, R18), together with the files.
 * The same in both dialects: `bigint` is an integer column in SQLite too.
 */
export function backupsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('backups')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
        .addColumn('label', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('protector_mode', 'text', (c) => c.notNull().check(sql`protector_mode in ('provider', 'tenant')`))
        .addColumn('protector_key_id', 'text')
        .addColumn('size_bytes', 'bigint', (c) => c.notNull())
        .execute();
      // Lists are per environment, newest last; reset/delete/purge drop them per environment.
      await db.schema.createIndex('backups_environment').on('backups').columns(['environment_id', 'created_at', 'id']).execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('backups').execute();
    },
  };
}
