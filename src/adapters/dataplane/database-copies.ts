import { chmodSync, closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3-multiple-ciphers';
import { fail } from '../../domain/errors.js';
import { openHandle, rekeyHandle, type CipherSettings } from './cipher-settings.js';

/**
 * Copies of environment databases for backups, restores and copies (R16, R17), and the
 * replacement of one environment's file by another. Written down because SQLite3MC decides
 * what is possible here, measured with better-sqlite3-multiple-ciphers 12.11 (SQLite3MC 2.3):
 *
 * - better-sqlite3's `db.backup(path)` cannot be used: it opens the destination itself,
 *   unkeyed, and SQLite3MC refuses a backup between an encrypted source and a plain
 *   destination ("backup is not supported with incompatible source and target databases").
 *   That refusal is what keeps a plaintext copy from ever being written (a test checks it);
 *   the API offers no way to key the destination (no URI filenames in this build).
 * - `VACUUM INTO` on the open, keyed handle works: SQLite attaches the output file with the
 *   main database's codec (SQLite3MC copies it when no key is given), so the copy is under the
 *   same cipher and DEK, and it is consistent (one read transaction; writers carry on, WAL).
 *   It is also compact (free pages are left behind). ~0.25 s per 100 MB here (bench/backup.bench.ts
 *   has the figures), so it runs on a copy worker with a connection of its own (copy-tasks.ts),
 *   as does the re-key below: the event loop never waits for either.
 * - Moving a copy to another environment re-keys it (`rekeyHandle`: PRAGMA rekey) to the
 *   target's DEK rather than handing the source's DEK over: every environment keeps a DEK of
 *   its own, so resetting or deleting one crypto-shreds exactly its data, and a copy never
 *   stays readable by whatever protects the source. SQLite3MC's backup API could re-encrypt
 *   page by page between two keyed connections (same cipher, page size and reserve), but
 *   better-sqlite3 cannot open its destination keyed, so: copy under the source key, then
 *   rekey the copy in place before it replaces anything (two passes over the pages).
 *
 * Files: a scratch copy is built beside the target (`<id>.db-swap`) and renamed over it, so a
 * crash leaves either the old database or the new one, never a mix; a second run rebuilds the
 * scratch file from the start. Before the rename every connection to the old file must be gone,
 * in this process and in other instances sharing the directory (closeEverywhere): SQLite
 * deletes `-wal`/`-shm` by name when the last connection to a file closes, so a connection
 * left on the replaced file would later delete the side files of the new one.
 */

/** The scratch file of a replacement and the side files SQLite may leave beside it. */
export const SCRATCH_SUFFIX = '-swap';
export const SCRATCH_FILES = [SCRATCH_SUFFIX, `${SCRATCH_SUFFIX}-journal`, `${SCRATCH_SUFFIX}-wal`, `${SCRATCH_SUFFIX}-shm`] as const;

/** A connection opened only to check or probe a file: a small page cache is enough. */
const SCRATCH_HANDLE = { cacheKiB: 1024 };
/**
 * A re-key rewrites every page in one transaction; with a small cache SQLite spills dirty pages
 * early and often. 16 MiB measured 3× faster than 1 MiB on a 400 MB file, and bounds memory
 * (turning cache_spill off was as fast but holds the whole database in memory).
 */
const REKEY_HANDLE = { cacheKiB: 16 * 1024 };

const codeOf = (error: unknown): unknown => (typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined);

/** Flushes a file, or a directory's entries (after a rename), to stable storage. */
export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function removeFiles(paths: readonly string[]): void {
  for (const p of paths) rmSync(p, { force: true });
}

/**
 * Makes `path` as an empty file only its owner may read (0600, whatever the umask): SQLite would
 * create it with the process's default mode, and a backup or a restored database is as private as
 * the environment's own file.
 */
export function createPrivateFile(path: string): void {
  closeSync(openSync(path, 'wx', 0o600));
  chmodSync(path, 0o600);
}

/**
 * A consistent copy of the database open on `handle` into `destination`, under the same cipher
 * and key (see above). `destination` is replaced if it exists (VACUUM INTO refuses a non-empty
 * file, and writes into an empty one, keeping its 0600 mode) and is on stable storage when this
 * returns. Seconds for a large database: the data plane runs it on a copy worker (copy-pool.ts).
 */
export function copyOpenDatabase(handle: Database.Database, destination: string): void {
  removeFiles([destination, `${destination}-journal`]);
  createPrivateFile(destination);
  handle.prepare('VACUUM INTO ?').run(destination);
  fsyncPath(destination);
}

/**
 * Opens a scratch copy that is under `fromDek` and either re-keys it to `toDek` or, with `toDek`
 * null, proves every page still decrypts (quick_check; a re-key proves it on the way, since
 * SQLite3MC's AEAD ciphers fail on any changed byte). A damaged backup is found here, before
 * it replaces anything. The copy is left in rollback-journal mode, closed and synced.
 */
export function rekeyScratch(path: string, cipher: CipherSettings, fromDek: Buffer, toDek: Buffer | null): void {
  const db = openHandle(path, cipher, fromDek, toDek === null ? SCRATCH_HANDLE : REKEY_HANDLE);
  try {
    // openHandle turned it to WAL; a re-key and a file about to be renamed want one file.
    if (db.pragma('journal_mode = DELETE', { simple: true }) !== 'delete') fail('INTERNAL', 'A database copy could not leave WAL mode.');
    if (toDek !== null) {
      // No rollback journal and no fsync of its own for a scratch copy: a crash half-way leaves
      // a file the next run rebuilds from the start anyway, the journal would double the writes,
      // and the one fsync that matters, before the rename, is fsyncPath below.
      db.pragma('journal_mode = OFF');
      db.pragma('synchronous = OFF');
      rekeyHandle(db, toDek);
    } else if (db.pragma('quick_check', { simple: true }) !== 'ok') {
      fail('INTERNAL', 'The backup is damaged; it was not restored.');
    }
  } finally {
    db.close();
  }
  fsyncPath(path);
}

/**
 * Whether no other connection has the database at `path` open. The probe asks SQLite to leave
 * WAL mode without waiting: that needs an exclusive lock, which it gets only when every other
 * connection, in any process, is closed. On success the file is checkpointed and in rollback
 * mode with no `-wal`/`-shm`, and the probe's own connection is closed again.
 */
export function closeEverywhere(path: string, cipher: CipherSettings, dek: Buffer): boolean {
  if (!existsSync(path)) return true;
  const db = openHandle(path, cipher, dek, SCRATCH_HANDLE);
  try {
    db.pragma('busy_timeout = 0');
    try {
      return db.pragma('journal_mode = DELETE', { simple: true }) === 'delete';
    } catch (error) {
      if (codeOf(error) === 'SQLITE_BUSY' || codeOf(error) === 'SQLITE_LOCKED') return false;
      throw error;
    }
  } finally {
    db.close();
  }
}

/**
 * Puts the finished scratch copy in place of `path`, atomically. Only after closeEverywhere
 * said yes: the old file's side files are removed first (a stale `-wal` next to the new file
 * would be replayed into it on the next open), then the rename, then the directory is synced
 * so the rename survives a power cut.
 */
export function replaceWithScratch(path: string, sideFiles: readonly string[]): void {
  removeFiles(sideFiles.map((s) => path + s));
  renameSync(path + SCRATCH_SUFFIX, path);
  fsyncPath(dirname(path));
}
