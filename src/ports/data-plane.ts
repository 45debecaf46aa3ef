import type { Row, RowValue, TableDefinition } from '../domain/table-schema.js';

/**
 * The data plane: each environment is its own database file, every page encrypted under the
 * environment's DEK. The DEK is handed in only when a handle must be opened (`loadDek`), so
 * the plane never needs the vault and an evicted handle takes its key with it.
 */
export interface RowPage {
  items: Row[];
  /** Pass back as `after` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface EnvironmentDatabase {
  createTable(table: TableDefinition): void;
  getTable(name: string): TableDefinition | undefined;
  listTables(): TableDefinition[];
  insertRow(table: string, id: string, values: Record<string, RowValue>): Row;
  getRow(table: string, id: string): Row | undefined;
  /** Returns the updated row, or undefined when there is no such row. */
  updateRow(table: string, id: string, values: Record<string, RowValue>): Row | undefined;
  deleteRow(table: string, id: string): boolean;
  /** At most `limit` rows; an adapter may stop a page early (with `nextCursor`) to bound its bytes. */
  listRows(table: string, page: { limit: number; after?: string }): RowPage;
}

/**
 * Fetches (unwraps) the environment's DEK when a handle must be opened. The returned buffer
 * belongs to the data plane, which zeroes it once the handle is keyed (or the open abandoned):
 * return a fresh buffer, never one the caller keeps using.
 */
export type DekLoader = () => Promise<Buffer>;

/**
 * Where `restoreInto` takes its data from: a backup of an environment, or an environment's live
 * database (a consistent copy taken online). Either way the bytes are under that environment's
 * DEK, which `loadDek` fetches.
 */
export interface CopySource {
  environmentId: string;
  loadDek: DekLoader;
  /** A backup of `environmentId`; absent, its live database. */
  backupId?: string;
}

export interface DataPlane {
  /**
   * Makes the environment's encrypted database; fails (CONFLICT) if it already exists.
   * `dek` is only borrowed: the plane copies what it needs, the caller still owns and zeroes it.
   */
  create(environmentId: string, dek: Buffer): Promise<void>;
  /**
   * Runs `work` on the environment's open database, opening it (with `loadDek`) if needed;
   * concurrent first uses share one open. `work` is synchronous and must not keep `db`.
   * NOT_FOUND when the environment has no database.
   */
  use<T>(environmentId: string, loadDek: DekLoader, work: (db: EnvironmentDatabase) => T): Promise<T>;
  /** Environments with an open handle in this process (their keys are in memory). */
  openEnvironmentIds(): string[];
  /** Closes the open handle, if any, so no key of it stays in this process. */
  evict(environmentId: string): void;
  /** Closes and removes every file of the environment. */
  destroy(environmentId: string): Promise<void>;
  /** Paths of the environment's files, for tests and audits of what is on disk. */
  files(environmentId: string): string[];

  // ---- Backups, restore, copy, reset (R16-R18) ----

  /**
   * Takes a consistent copy of the environment's database while it stays in use, under the
   * same DEK, so the copy is readable exactly when the environment is (a lock, which destroys
   * the key wrapping that DEK, locks its backups too). Appears whole or not at all.
   */
  backup(environmentId: string, loadDek: DekLoader, backupId: string): Promise<{ bytes: number }>;
  /**
   * Replaces the environment's database with `source`'s data, re-encrypted under the
   * environment's own DEK (`loadDek`): afterwards nothing but that DEK reads it. Crash-safe
   * (the new database is built aside and renamed over the old one) and safe to run again.
   * Waits until no other connection (another instance on the same directory) has the old file
   * open; INTERNAL when that does not happen soon, for the caller to retry later.
   * `stillOwner`, checked just before the rename, lets a caller that lost its claim back out.
   */
  restoreInto(environmentId: string, loadDek: DekLoader, source: CopySource, stillOwner?: () => boolean): Promise<void>;
  /**
   * Closes the environment's database in this process and waits until no other connection has
   * it open, leaving it checkpointed (no -wal or -shm). After this its files can be removed and
   * a new database made under the same name without a stale connection of another process
   * later deleting the new one's side files. INTERNAL when others keep it open (retry later).
   */
  detach(environmentId: string, loadDek: DekLoader): Promise<void>;
  /**
   * Whether the environment's database (or one of its backups) decrypts under the DEK `loadDek`
   * gives: which key a file is under after a re-key was interrupted.
   */
  opensWith(environmentId: string, loadDek: DekLoader, backupId?: string): Promise<boolean>;
  /**
   * Re-encrypts the environment's database from one DEK to another (SPEC L4: every change of
   * protection gives the environment a fresh DEK). Crash-safe like restoreInto (built aside,
   * renamed over) and safe to run again: a database already under `to` is left as it is.
   */
  rekey(environmentId: string, from: DekLoader, to: DekLoader, stillOwner?: () => boolean): Promise<void>;
  /** The same for one backup. */
  rekeyBackup(environmentId: string, backupId: string, from: DekLoader, to: DekLoader): Promise<void>;
  destroyBackup(environmentId: string, backupId: string): Promise<void>;
  /** Removes every backup file of the environment (reset, delete, purge). */
  destroyBackups(environmentId: string): Promise<void>;
  /** Paths of the environment's backup files that exist now, for tests and audits. */
  backupFiles(environmentId: string): string[];
  close(): Promise<void>;
}
