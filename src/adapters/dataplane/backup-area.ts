import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fail } from '../../domain/errors.js';

/** Ids become file and directory names: the data plane's safe alphabet, no dots or slashes. */
const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

function assertId(id: string, what: string): void {
  if (typeof id !== 'string' || !ID.test(id)) {
    fail('VALIDATION_FAILED', `A ${what} id must be 1 to 128 letters, digits, "_" or "-", starting with a letter or digit.`);
  }
}

/**
 * Where backup files live: `<directory>/<environmentId>/<backupId>.db`, one directory per
 * environment so that shredding all of an environment's backups (reset, delete, purge) is one
 * recursive removal that cannot miss a file, including a half-written `.tmp` of a crashed
 * backup. Directories are 0700: the files are ciphertext, but their names and sizes are not.
 */
export class BackupArea {
  readonly directory: string;

  /** Made on the first backup, not before: a data plane that never backs up leaves no trace. */
  constructor(directory: string) {
    this.directory = resolve(directory);
  }

  directoryOf(environmentId: string): string {
    assertId(environmentId, 'environment');
    return join(this.directory, environmentId);
  }

  /** The finished backup; it is written as `<path>.tmp` and renamed, so it appears whole. */
  pathOf(environmentId: string, backupId: string): string {
    assertId(backupId, 'backup');
    return join(this.directoryOf(environmentId), `${backupId}.db`);
  }

  prepare(environmentId: string): void {
    // `mode` applies to every directory made on the way, the backup root included.
    mkdirSync(this.directoryOf(environmentId), { recursive: true, mode: 0o700 });
  }

  files(environmentId: string): string[] {
    const dir = this.directoryOf(environmentId);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .sort()
      .map((name) => join(dir, name));
  }

  async destroy(environmentId: string, backupId: string): Promise<void> {
    const path = this.pathOf(environmentId, backupId);
    await Promise.all([path, `${path}.tmp`, `${path}.tmp-journal`].map((p) => rm(p, { force: true })));
  }

  async destroyAll(environmentId: string): Promise<void> {
    await rm(this.directoryOf(environmentId), { recursive: true, force: true });
  }
}
