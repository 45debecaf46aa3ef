import type { Kysely } from 'kysely';
import type { Store } from '../../ports/store.js';
import { postgresDialect, sqliteDialect, type StoreDialect } from './dialect.js';
import { kyselyStore } from './kysely-store.js';
import { migrate } from './migrate.js';
import { postgresKysely } from './postgres.js';
import type { ControlDatabase } from './schema.js';
import { sqliteKysely } from './sqlite.js';

export type StoreOptions =
  | { kind: 'sqlite'; file: string }
  /** `schema` (default `public`) holds all of Keyward's tables; it is created if missing. */
  | { kind: 'postgres'; url: string; schema?: string };

/** Connects, applies pending migrations, and returns the store; closes again if that fails. */
export async function openStore(options: StoreOptions): Promise<Store> {
  let db: Kysely<ControlDatabase>;
  let dialect: StoreDialect;
  if (options.kind === 'sqlite') {
    db = sqliteKysely(options.file);
    dialect = sqliteDialect;
    await migrateOrClose(db, () => migrate(db, dialect));
  } else {
    const schema = options.schema ?? 'public';
    db = postgresKysely(options.url, schema);
    dialect = postgresDialect;
    await migrateOrClose(db, () => migrate(db, dialect, schema));
  }
  return kyselyStore(db, dialect);
}

async function migrateOrClose(db: Kysely<ControlDatabase>, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    await db.destroy();
    throw error;
  }
}
