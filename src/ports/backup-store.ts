import type { EncryptionMode } from '../domain/environment.js';

/**
 * A backup: a consistent copy of an environment's encrypted database, kept by the data plane
 * under `<backups>/<environmentId>/<id>.db`. The copy is under the environment's own DEK, so
 * it is readable exactly when the environment is. That is why the record holds no key
 * material at all, not even a wrapped DEK: a copy of the wrapped DEK here would outlive a lock
 * (which destroys the key wrapping the environment's DEK) or a reset (which replaces it).
 */
export interface Backup {
  id: string;
  tenantId: string;
  environmentId: string;
  label: string | null;
  createdAt: Date;
  /**
   * What protected the environment's DEK when the copy was taken, for people to read. The copy
   * depends on whatever protects the environment now: the DEK stays, only its wrapping changes.
   */
  protector: { mode: EncryptionMode; keyId: string | null };
  sizeBytes: number;
}

/**
 * Backup records. Same failure rules as the other repos (store.ts): an insert with an id that
 * exists throws KeywardError `CONFLICT`.
 */
export interface BackupRepo {
  insert(backup: Backup): Promise<void>;
  get(id: string): Promise<Backup | undefined>;
  /** The environment's backups, oldest first. */
  listByEnvironment(environmentId: string): Promise<Backup[]>;
  /** Forgets one backup (its file is the data plane's to remove). */
  remove(id: string): Promise<void>;
  /** Forgets every backup of the environment (reset, delete, purge); returns how many. */
  deleteByEnvironment(environmentId: string): Promise<number>;
  /**
   * Store-wide, outside any transaction, after a crypto-shred committed (a wrapped DEK erased or
   * replaced): leaves no earlier version of the erased rows in the store's files. On SQLite the
   * pages are zeroed already (secure_delete) but the WAL still holds them as written, so a
   * TRUNCATE checkpoint empties it. PostgreSQL keeps dead tuples until its autovacuum and
   * recycles WAL segments on its own schedule; nothing here can force that cheaply.
   */
  scrubErased(): Promise<void>;
}
