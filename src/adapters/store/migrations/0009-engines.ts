import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/**
 * Environments on an external engine (SPEC E1-E6): which engine holds the data and, for a
 * MariaDB server, its admin connection (the password sealed by the vault), the SHA-256 of its
 * key-service token, the latest engine key version, when a lock confirmed it down, and when it
 * last fetched a key. Every existing environment is embedded.
 */
export function enginesMigration(dialect: StoreDialect): Migration {
  const nullable = [
    ['engine_host', 'text'],
    ['engine_port', 'integer'],
    ['engine_user', 'text'],
    ['engine_sealed_password', 'text'],
    ['engine_token_hash', dialect.bytesType],
    ['engine_stopped_at', 'text'],
    ['engine_key_fetch_at', 'text'],
  ] as const;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const table = () => db.schema.alterTable('environments');
      await table()
        .addColumn('engine_kind', 'text', (c) => c.notNull().defaultTo('embedded'))
        .execute();
      await table()
        .addColumn('engine_key_version', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      for (const [name, type] of nullable) await table().addColumn(name, type).execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const name of ['engine_kind', 'engine_key_version', ...nullable.map(([name]) => name)]) {
        await db.schema.alterTable('environments').dropColumn(name).execute();
      }
    },
  };
}
