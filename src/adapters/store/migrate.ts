import { Migrator, type Kysely } from 'kysely';
import type { StoreDialect } from './dialect.js';
import { migrationProvider } from './migrations/index.js';
import type { ControlDatabase } from './schema.js';

/**
 * Brings the schema to the latest version. Safe when several instances start at once on one
 * PostgreSQL: Kysely's migrator takes a session advisory lock around reading the applied list
 * and applying what is missing (in one transaction), so the second instance finds nothing left
 * to do. A database migrated by a newer release makes this fail (unknown applied migration)
 * rather than let older code run on a schema it does not know.
 */
export async function migrate(db: Kysely<ControlDatabase>, dialect: StoreDialect, schema?: string): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: migrationProvider(dialect),
    // Needed on PostgreSQL, and not only for tidiness: without it the migrator looks for its
    // bookkeeping tables in every schema and would take another schema's as this one's. It
    // also creates the schema if missing.
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  // Kysely's introspection reads every schema of the database; a schema dropped by someone else
  // at that very moment (3F000) fails it without anything being wrong with ours: try again.
  for (let attempt = 1; ; attempt++) {
    const { error } = await migrator.migrateToLatest();
    if (error === undefined) return;
    const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
    if (code === '3F000' && attempt < 5) continue;
    throw new Error('Migrating the control store failed.', { cause: error });
  }
}
