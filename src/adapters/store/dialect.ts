import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { ControlDatabase } from './schema.js';

/**
 * Everything the control store does differently on SQLite and PostgreSQL, stated once as
 * capabilities (like Kysely's own DialectAdapter). Repos and migrations ask the dialect; none
 * of them tests a dialect's name or an adapter's class.
 */
export interface StoreDialect {
  /** For messages and tests only: no behaviour may depend on it. */
  readonly name: 'sqlite' | 'postgres';
  /** The column type of raw bytes. */
  readonly bytesType: 'blob' | 'bytea';
  /**
   * Makes a claim query take the row it picks and skip rows other claimers hold, so concurrent
   * claimers take different rows (PostgreSQL: FOR UPDATE SKIP LOCKED). SQLite runs every writing
   * statement under its one write lock, so pick and take cannot interleave there: unchanged.
   */
  lockClaimed<TB extends keyof ControlDatabase, O>(query: SelectQueryBuilder<ControlDatabase, TB, O>): SelectQueryBuilder<ControlDatabase, TB, O>;
  /**
   * Makes a select take the rows it reads for the rest of the transaction (PostgreSQL: FOR
   * UPDATE, waiting for holders). SQLite: unchanged, the transaction holds the write lock already.
   */
  lockSelected<TB extends keyof ControlDatabase, O>(query: SelectQueryBuilder<ControlDatabase, TB, O>): SelectQueryBuilder<ControlDatabase, TB, O>;
  /**
   * Serialises the current transaction against every other transaction that locks the same key,
   * on any number of server instances, until it commits or rolls back. PostgreSQL: a row lock
   * (SELECT … FOR UPDATE) on the key's row in `serial_locks`, made on first use. SQLite: nothing
   * to do, because every transaction begins IMMEDIATE and so holds the database's one write lock
   * from its first statement (see sqlite.ts).
   */
  lockKey(trx: Kysely<ControlDatabase>, key: string): Promise<void>;
  /** Whether a driver error is a violated unique index (another writer got there first). */
  isUniqueViolation(error: unknown): boolean;
  /**
   * After a commit that deleted secrets from `table`: leaves no earlier version of the rows in
   * the store's files that can be reached cheaply. SQLite zeroes deleted content already
   * (secure_delete) but its WAL holds the pages as written: a TRUNCATE checkpoint empties it.
   * PostgreSQL keeps dead tuples until vacuumed: VACUUM FULL rewrites the table without them
   * (its own WAL segments and backups are recycled on the server's schedule; see the README).
   * Never inside a transaction.
   */
  scrub(db: Kysely<ControlDatabase>, table: string): Promise<void>;
  /**
   * The cheap half of `scrub`, for large tables that a rewrite would lock for too long (the
   * environments' erased wrapped DEKs): SQLite's WAL is emptied; PostgreSQL's dead tuples wait
   * for its autovacuum (the README's known limits say so).
   */
  emptyLog(db: Kysely<ControlDatabase>): Promise<void>;
}

const SAFE_TABLE = /^[a-z_]+$/;

export const sqliteDialect: StoreDialect = {
  name: 'sqlite',
  bytesType: 'blob',
  lockClaimed: (query) => query,
  lockSelected: (query) => query,
  lockKey: () => Promise.resolve(),
  isUniqueViolation: (error) => codeOf(error) === 'SQLITE_CONSTRAINT_UNIQUE' || codeOf(error) === 'SQLITE_CONSTRAINT_PRIMARYKEY',
  async scrub(db) {
    await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
  },
  async emptyLog(db) {
    await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
  },
};

export const postgresDialect: StoreDialect = {
  name: 'postgres',
  bytesType: 'bytea',
  lockClaimed: (query) => query.forUpdate().skipLocked(),
  lockSelected: (query) => query.forUpdate(),
  async lockKey(trx, key) {
    // Insert-or-nothing first, so the row exists to be locked; a racing first insert waits on the
    // unique index and then does nothing. FOR UPDATE then queues every other holder of the key.
    await sql`insert into serial_locks (key) values (${key}) on conflict (key) do nothing`.execute(trx);
    await sql`select key from serial_locks where key = ${key} for update`.execute(trx);
  },
  isUniqueViolation: (error) => codeOf(error) === '23505',
  async scrub(db, table) {
    if (!SAFE_TABLE.test(table)) throw new RangeError(`Not a table name: ${table}`);
    await sql`VACUUM (FULL) ${sql.table(table)}`.execute(db);
  },
  emptyLog: () => Promise.resolve(),
};

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}
