import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import {
  CompiledQuery,
  Kysely,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type SqliteDialectConfig,
} from 'kysely';
import type { ControlDatabase } from './schema.js';

/** How long a writer waits for another process's write lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * SQLite can roll back DDL, so migrations run in a transaction like on PostgreSQL: a crash
 * halfway through a migration leaves the schema as it was. (Kysely's adapter says no to stay
 * safe for every SQLite driver; better-sqlite3 handles it.)
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/**
 * Transactions take the write lock when they begin (`begin`), not at their first
 * write: in WAL mode a deferred transaction that read first and then writes fails at once with
 * SQLITE_BUSY if another process wrote meanwhile, while an immediate one waits its turn
 * (busy timeout). Matters when a second process (a CLI, a second start) opens the same file.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ControlSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

/** Opens the embedded control database file (made 0600 if new: it holds token hashes and wrapped DEKs). */
export function sqliteKysely(file: string): Kysely<ControlDatabase> {
  const inMemory = file === ':memory:';
  if (!inMemory) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // SQLite gives the -wal and -shm files the main file's mode, so this covers all three.
    closeSync(openSync(file, 'a', 0o600));
  }
  const database = new Database(file, { timeout: BUSY_TIMEOUT_MS });
  try {
    // WAL: readers never block the writer. FULL: a commit survives power loss, not only a crash.
    const mode: unknown = database.pragma('journal_mode = WAL', { simple: true });
    if (!inMemory && mode !== 'wal') throw new Error(`SQLite refused WAL mode (got ${String(mode)}).`);
    database.pragma('synchronous = FULL');
    database.pragma('foreign_keys = ON');
    // Deleted content is overwritten with zeros, so an erased sealed key leaves no copy in free pages.
    database.pragma('secure_delete = ON');
  } catch (error) {
    database.close();
    throw error;
  }
  return new Kysely<ControlDatabase>({ dialect: new ControlSqliteDialect({ database }) });
}
