import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { chmod, copyFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fail } from '../../domain/errors.js';
import type { CopySource, DataPlane, DekLoader, EnvironmentDatabase } from '../../ports/data-plane.js';
import { BackupArea } from './backup-area.js';
import { CHOSEN_CIPHER, openHandle, opensWithKey, type CipherSettings } from './cipher-settings.js';
import { CopyPool, movedKey } from './copy-pool.js';
import { closeEverywhere, fsyncPath, removeFiles, replaceWithScratch, SCRATCH_FILES, SCRATCH_SUFFIX } from './database-copies.js';
import { LruCache } from './handle-cache.js';
import { DEFAULT_MAX_PAGE_BYTES, SqliteEnvironmentDatabase } from './sqlite-environment-database.js';

export interface SqliteCipherDataPlaneOptions {
  /** Directory holding one `<environmentId>.db` (plus -wal/-shm while open) per environment. */
  directory: string;
  /** Open handles kept at most; each holds a few file descriptors, a page cache and a key. */
  maxOpenHandles?: number;
  /** Page cache per open handle, in KiB (maxOpenHandles × this bounds the memory). */
  cacheKiBPerHandle?: number;
  /** The page cipher; part of the on-disk format. Tests and benches may pick another. */
  cipher?: CipherSettings;
  /** Where backups go (`<dir>/<environmentId>/<backupId>.db`); default `<directory>/backups`. */
  backupDirectory?: string;
  /** Row data one page of `listRows` carries at most (default 8 MiB); see SqliteEnvironmentDatabase. */
  maxPageBytes?: number;
  /** Threads for backups, restores and copies (default: half the cores, at least one). */
  copyThreads?: number;
}

export const DEFAULT_MAX_OPEN_HANDLES = 256;
export const DEFAULT_CACHE_KIB_PER_HANDLE = 2048;

/** Ids become file names: a safe alphabet, no dots or slashes, so no path can escape `directory`. */
const ENVIRONMENT_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const SIDE_FILES = ['-wal', '-shm', '-journal'] as const;
/** Everything beside `<id>.db` that belongs to the environment, a restore's scratch copy included. */
const ENVIRONMENT_FILES = [...SIDE_FILES, ...SCRATCH_FILES] as const;
/** How long a replacement waits for other instances to close the file (they sweep every second). */
const RELEASE_WAIT_MS = 5_000;
const RELEASE_POLL_MS = 100;
/**
 * How often `use` opens when other opens pushed its fresh handle out of the LRU before `work`
 * ran. That takes more than `maxOpenHandles` different environments finishing their opens in
 * the same instant; each round lets `maxOpenHandles` of them through, and each retry costs a
 * `loadDek`. Pinning fresh handles until their waiters ran would avoid the retries at the cost
 * of more state; with the default capacity it takes hundreds of simultaneous opens to matter.
 */
const OPEN_ATTEMPTS = 4;

/** The port is promise-based: a refusal is a rejected promise, never a synchronous throw. */
function settle(fn: () => void): Promise<void> {
  try {
    fn();
    return Promise.resolve();
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

interface PendingOpen {
  promise: Promise<SqliteEnvironmentDatabase>;
  /** Set by evict/destroy/close: the open must not leave a handle (nor a key) behind. */
  token: { cancelled: boolean };
}

/**
 * The data plane on SQLite3 Multiple Ciphers: one encrypted file per environment, keyed by the
 * raw DEK, with an LRU of open handles so ten thousand environments never hold ten thousand
 * file descriptors (or keys) at once.
 *
 * Who owns a DEK buffer: `create(id, dek)` only borrows `dek` (the caller still wraps it and
 * zeroes it); the buffer a `DekLoader` returns is the plane's, and is zeroed as soon as the
 * handle is keyed, or when the open is abandoned. The handle's own copy inside SQLite3MC lives
 * until the handle closes (evict, LRU eviction, destroy, close).
 */
export class SqliteCipherDataPlane implements DataPlane {
  private readonly directory: string;
  private readonly cipher: CipherSettings;
  private readonly cacheKiB: number;
  private readonly handles: LruCache<string, SqliteEnvironmentDatabase>;
  private readonly opening = new Map<string, PendingOpen>();
  private readonly backups: BackupArea;
  private readonly copies: CopyPool;
  private readonly maxPageBytes: number;
  /** Evicts per environment so far: a copy whose key was fetched across an evict gives up. */
  private readonly evictions = new Map<string, number>();
  private closed = false;

  constructor(options: SqliteCipherDataPlaneOptions) {
    this.directory = resolve(options.directory);
    this.cipher = options.cipher ?? CHOSEN_CIPHER;
    this.cacheKiB = options.cacheKiBPerHandle ?? DEFAULT_CACHE_KIB_PER_HANDLE;
    this.maxPageBytes = options.maxPageBytes ?? DEFAULT_MAX_PAGE_BYTES;
    this.copies = new CopyPool(options.copyThreads);
    this.handles = new LruCache(options.maxOpenHandles ?? DEFAULT_MAX_OPEN_HANDLES, (db) => db.close());
    mkdirSync(this.directory, { recursive: true, mode: 0o700 });
    this.backups = new BackupArea(options.backupDirectory ?? join(this.directory, 'backups'));
  }

  /** Open handles right now (for tests and metrics). */
  get openHandleCount(): number {
    return this.handles.size;
  }

  openEnvironmentIds(): string[] {
    return [...this.handles.keys()];
  }

  /**
   * The file is claimed with an exclusive create first, so two creates of one id cannot both
   * succeed; the new handle stays open (and cached) because the first table usually follows.
   */
  create(environmentId: string, dek: Buffer): Promise<void> {
    return settle(() => this.createNow(environmentId, dek));
  }

  private createNow(environmentId: string, dek: Buffer): void {
    this.assertNotClosed();
    const path = this.pathOf(environmentId);
    if (this.handles.has(environmentId) || this.opening.has(environmentId)) this.conflict(environmentId);
    try {
      closeSync(openSync(path, 'wx', 0o600));
    } catch (error) {
      if (typeof error === 'object' && error !== null && 'code' in error && error.code === 'EEXIST') this.conflict(environmentId);
      throw error;
    }
    try {
      const db = this.database(openHandle(path, this.cipher, dek, { cacheKiB: this.cacheKiB }));
      this.handles.set(environmentId, db);
    } catch (error) {
      this.removeFilesSync(path);
      throw error;
    }
  }

  async use<T>(environmentId: string, loadDek: DekLoader, work: (db: EnvironmentDatabase) => T): Promise<T> {
    const path = this.pathOf(environmentId);
    for (let attempt = 1; ; attempt++) {
      this.assertNotClosed();
      const db = this.handles.get(environmentId) ?? (await this.open(environmentId, path, loadDek));
      // Between the open finishing and this line, other opens may have pushed it out of the LRU.
      if (db.isOpen) return work(db);
      if (attempt >= OPEN_ATTEMPTS) fail('CONFLICT', 'Too many environments are being opened at once; try again.');
    }
  }

  evict(environmentId: string): void {
    this.evictions.set(environmentId, (this.evictions.get(environmentId) ?? 0) + 1);
    const pending = this.opening.get(environmentId);
    if (pending !== undefined) {
      pending.token.cancelled = true;
      this.opening.delete(environmentId);
    }
    this.handles.delete(environmentId);
  }

  async destroy(environmentId: string): Promise<void> {
    const path = this.pathOf(environmentId);
    this.evict(environmentId);
    await Promise.all([path, ...ENVIRONMENT_FILES.map((s) => path + s)].map((p) => rm(p, { force: true })));
  }

  /** The environment's files that exist on disk now: the database, and -wal/-shm while open. */
  files(environmentId: string): string[] {
    const path = this.pathOf(environmentId);
    return [path, ...ENVIRONMENT_FILES.map((s) => path + s)].filter((p) => existsSync(p));
  }

  // ---- Backups, restore, copy, reset: the how and why are in database-copies.ts ----

  async backup(environmentId: string, loadDek: DekLoader, backupId: string): Promise<{ bytes: number }> {
    const path = this.backups.pathOf(environmentId, backupId);
    this.backups.prepare(environmentId);
    await this.copyLive(environmentId, loadDek, `${path}.tmp`);
    removeFiles([`${path}.tmp-journal`]);
    renameSyncAndFlush(`${path}.tmp`, path);
    return { bytes: statSync(path).size };
  }

  async restoreInto(environmentId: string, loadDek: DekLoader, source: CopySource, stillOwner: () => boolean = () => true): Promise<void> {
    const path = this.pathOf(environmentId);
    if (!existsSync(path)) fail('NOT_FOUND', `Environment ${environmentId} has no database.`);
    const scratch = path + SCRATCH_SUFFIX;
    removeFiles(SCRATCH_FILES.map((s) => path + s));
    // 1. The source's bytes, still under the source's DEK.
    if (source.backupId !== undefined) {
      const from = this.backups.pathOf(source.environmentId, source.backupId);
      if (!existsSync(from)) fail('NOT_FOUND', `No backup ${source.backupId} of environment ${source.environmentId}.`);
      await copyFile(from, scratch);
      await chmod(scratch, 0o600);
    } else {
      await this.copyLive(source.environmentId, source.loadDek, scratch);
    }
    // 2. Under the target's DEK: re-keyed from another environment's, or checked if it is its own.
    const dek = await loadDek();
    try {
      const fromDek = source.environmentId === environmentId ? null : await source.loadDek();
      const task = { kind: 'rekey' as const, path: scratch, cipher: this.cipher.label };
      // The target's DEK is needed again below, so the worker gets a copy of it; the source's is moved.
      await this.copies.run(
        fromDek === null
          ? { ...task, fromDek: movedKey(Buffer.from(dek)), toDek: null }
          : { ...task, fromDek: movedKey(fromDek), toDek: movedKey(Buffer.from(dek)) },
      );
      // 3. In place of the old file, once no connection anywhere has that open.
      await this.whenClosedEverywhere(environmentId, path, dek, () => {
        if (!stillOwner()) throw new Error(`The restore of ${environmentId} was taken over; this run stops.`);
        replaceWithScratch(path, SIDE_FILES);
      });
    } finally {
      dek.fill(0);
    }
  }

  async opensWith(environmentId: string, loadDek: DekLoader, backupId?: string): Promise<boolean> {
    const path = backupId === undefined ? this.pathOf(environmentId) : this.backups.pathOf(environmentId, backupId);
    if (!existsSync(path))
      fail(
        'NOT_FOUND',
        backupId === undefined ? `Environment ${environmentId} has no database.` : `No backup ${backupId} of environment ${environmentId}.`,
      );
    const dek = await loadDek();
    try {
      return opensWithKey(path, this.cipher, dek);
    } finally {
      dek.fill(0);
    }
  }

  /**
   * The live database under another DEK (L4): a consistent copy under the old DEK is re-keyed
   * aside and renamed over the file once no connection anywhere has it open, as restoreInto
   * does. Safe to run again: a file already under `to` is left as it is.
   */
  async rekey(environmentId: string, from: DekLoader, to: DekLoader, stillOwner: () => boolean = () => true): Promise<void> {
    const path = this.pathOf(environmentId);
    if (await this.opensWith(environmentId, to)) return;
    const scratch = path + SCRATCH_SUFFIX;
    removeFiles(SCRATCH_FILES.map((s) => path + s));
    await this.copyLive(environmentId, from, scratch);
    const fromDek = await from();
    try {
      await this.copies.run({
        kind: 'rekey',
        path: scratch,
        cipher: this.cipher.label,
        fromDek: movedKey(Buffer.from(fromDek)),
        toDek: movedKey(await to()),
      });
      await this.whenClosedEverywhere(environmentId, path, fromDek, () => {
        if (!stillOwner()) throw new Error(`The re-key of ${environmentId} was taken over; this run stops.`);
        replaceWithScratch(path, SIDE_FILES);
      });
    } finally {
      fromDek.fill(0);
    }
  }

  /** One backup under another DEK, built aside (0600) and renamed over it; a backup already under `to` is left. */
  async rekeyBackup(environmentId: string, backupId: string, from: DekLoader, to: DekLoader): Promise<void> {
    if (await this.opensWith(environmentId, to, backupId)) return;
    const path = this.backups.pathOf(environmentId, backupId);
    const scratch = `${path}${SCRATCH_SUFFIX}`;
    removeFiles(SCRATCH_FILES.map((s) => path + s));
    await copyFile(path, scratch);
    await chmod(scratch, 0o600);
    await this.copies.run({ kind: 'rekey', path: scratch, cipher: this.cipher.label, fromDek: movedKey(await from()), toDek: movedKey(await to()) });
    renameSyncAndFlush(scratch, path);
  }

  /**
   * A consistent copy of the environment's live database into `destination` (0600), on a copy
   * worker with a connection of its own, which closes when the copy ends. An evict of the
   * environment before the key arrives, or while the copy runs, wins as it does over an open:
   * the copy is discarded (CONFLICT), so nothing taken across a lock or a delete survives it.
   */
  private async copyLive(environmentId: string, loadDek: DekLoader, destination: string): Promise<void> {
    this.assertNotClosed();
    const source = this.pathOf(environmentId);
    if (!existsSync(source)) fail('NOT_FOUND', `Environment ${environmentId} has no database.`);
    const evictions = this.evictions.get(environmentId) ?? 0;
    const overtaken = () => (this.evictions.get(environmentId) ?? 0) !== evictions || this.closed;
    const dek = await loadDek();
    if (overtaken()) dek.fill(0);
    else await this.copies.run({ kind: 'copyLive', source, destination, cipher: this.cipher.label, dek: movedKey(dek) });
    if (overtaken()) {
      removeFiles([destination, `${destination}-journal`]);
      fail('CONFLICT', `Environment ${environmentId} was closed while it was being copied; try again.`);
    }
  }

  async detach(environmentId: string, loadDek: DekLoader): Promise<void> {
    const path = this.pathOf(environmentId);
    this.evict(environmentId);
    if (!existsSync(path)) return;
    const dek = await loadDek();
    try {
      await this.whenClosedEverywhere(environmentId, path, dek, () => undefined);
    } finally {
      dek.fill(0);
    }
  }

  destroyBackup(environmentId: string, backupId: string): Promise<void> {
    return this.backups.destroy(environmentId, backupId);
  }

  destroyBackups(environmentId: string): Promise<void> {
    return this.backups.destroyAll(environmentId);
  }

  backupFiles(environmentId: string): string[] {
    return this.backups.files(environmentId);
  }

  /**
   * Evicts this process's handle and runs `then` once no other connection has the file open,
   * polling while other instances' sweeps close theirs. Evict, probe and `then` run without an
   * await in between, so no request of this process can open the old file in the meantime.
   */
  private async whenClosedEverywhere(environmentId: string, path: string, dek: Buffer, then: () => void): Promise<void> {
    for (let waited = 0; ; waited += RELEASE_POLL_MS) {
      this.assertNotClosed();
      this.evict(environmentId);
      if (closeEverywhere(path, this.cipher, dek)) return then();
      if (waited >= RELEASE_WAIT_MS) fail('INTERNAL', `Another connection still has environment ${environmentId} open; try again later.`);
      await new Promise((done) => setTimeout(done, RELEASE_POLL_MS));
    }
  }

  async close(): Promise<void> {
    await settle(() => {
      this.closed = true;
      for (const pending of this.opening.values()) pending.token.cancelled = true;
      this.opening.clear();
      this.handles.clear();
    });
    await this.copies.close();
  }

  private database(handle: ReturnType<typeof openHandle>): SqliteEnvironmentDatabase {
    return new SqliteEnvironmentDatabase(handle, { maxPageBytes: this.maxPageBytes });
  }

  /** Concurrent first uses of one environment share a single open (and a single `loadDek`). */
  private open(environmentId: string, path: string, loadDek: DekLoader): Promise<SqliteEnvironmentDatabase> {
    const existing = this.opening.get(environmentId);
    if (existing !== undefined) return existing.promise;
    const token = { cancelled: false };
    const promise = this.openOnce(environmentId, path, loadDek, token).finally(() => {
      if (this.opening.get(environmentId)?.token === token) this.opening.delete(environmentId);
    });
    this.opening.set(environmentId, { promise, token });
    return promise;
  }

  private async openOnce(environmentId: string, path: string, loadDek: DekLoader, token: { cancelled: boolean }): Promise<SqliteEnvironmentDatabase> {
    // Checked before unwrapping so a missing environment costs no vault call.
    if (!existsSync(path)) fail('NOT_FOUND', `Environment ${environmentId} has no database.`);
    const dek = await loadDek();
    try {
      // An evict while the key was being fetched (a lock, a delete) wins: no handle survives it.
      if (token.cancelled) fail('CONFLICT', `Environment ${environmentId} was closed while it was being opened; try again.`);
      if (!existsSync(path)) fail('NOT_FOUND', `Environment ${environmentId} has no database.`);
      const db = this.database(openHandle(path, this.cipher, dek, { cacheKiB: this.cacheKiB }));
      this.handles.set(environmentId, db);
      return db;
    } finally {
      dek.fill(0);
    }
  }

  private pathOf(environmentId: string): string {
    if (typeof environmentId !== 'string' || !ENVIRONMENT_ID.test(environmentId)) {
      fail('VALIDATION_FAILED', 'An environment id must be 1 to 128 letters, digits, "_" or "-", starting with a letter or digit.');
    }
    return join(this.directory, `${environmentId}.db`);
  }

  private removeFilesSync(path: string): void {
    for (const p of [path, ...SIDE_FILES.map((s) => path + s)]) rmSync(p, { force: true });
  }

  private conflict(environmentId: string): never {
    return fail('CONFLICT', `Environment ${environmentId} already has a database.`);
  }

  private assertNotClosed(): void {
    if (this.closed) fail('INTERNAL', 'The data plane is closed.');
  }
}

/** A finished file takes its final name atomically, and the rename is made durable. */
function renameSyncAndFlush(from: string, to: string): void {
  renameSync(from, to);
  fsyncPath(dirname(to));
}
