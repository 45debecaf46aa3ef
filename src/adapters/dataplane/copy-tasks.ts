import { isKeywardError, KeywardError, type ErrorCode } from '../../domain/errors.js';
import { CIPHER_CANDIDATES, openHandle, type CipherSettings } from './cipher-settings.js';
import { copyOpenDatabase, rekeyScratch } from './database-copies.js';

/**
 * The whole-file work of backups, restores and copies, run on a copy worker thread (copy-pool.ts)
 * so the event loop never spends seconds on a `VACUUM INTO` or a re-key. The worker opens its own
 * connection to the file; DEKs arrive as ArrayBuffers of their own, moved (not copied) to the
 * worker, and are zeroed there once the connection is keyed. Errors of ours travel as data.
 */
export type CopyTask =
  /** A consistent copy of the live database at `source` into `destination`, same key (copyOpenDatabase). */
  | { kind: 'copyLive'; source: string; destination: string; cipher: string; dek: ArrayBuffer }
  /** `rekeyScratch`: re-key a copy to `toDek`, or with `toDek` null prove that it decrypts. */
  | { kind: 'rekey'; path: string; cipher: string; fromDek: ArrayBuffer; toDek: ArrayBuffer | null };

export type CopyResult = { ok: true } | { ok: false; code: ErrorCode; detail: string };

/** A scratch connection's page cache: the copy streams through, a small cache is enough. */
const COPY_HANDLE = { cacheKiB: 2048 };

function cipherNamed(label: string): CipherSettings {
  const cipher = CIPHER_CANDIDATES.find((c) => c.label === label);
  if (cipher === undefined) throw new KeywardError('INTERNAL', `Unknown page cipher ${label}.`);
  return cipher;
}

/** A DEK moved in as an ArrayBuffer, as a Buffer over the same bytes (zeroing one zeroes both). */
const keyOf = (bytes: ArrayBuffer): Buffer => Buffer.from(bytes);

export function runCopyTask(task: CopyTask): CopyResult {
  const keys: Buffer[] = [];
  try {
    if (task.kind === 'copyLive') {
      const dek = keyOf(task.dek);
      keys.push(dek);
      const handle = openHandle(task.source, cipherNamed(task.cipher), dek, COPY_HANDLE);
      dek.fill(0);
      try {
        copyOpenDatabase(handle, task.destination);
      } finally {
        handle.close();
      }
    } else {
      const fromDek = keyOf(task.fromDek);
      keys.push(fromDek);
      const toDek = task.toDek === null ? null : keyOf(task.toDek);
      if (toDek !== null) keys.push(toDek);
      rekeyScratch(task.path, cipherNamed(task.cipher), fromDek, toDek);
    }
    return { ok: true };
  } catch (error) {
    if (isKeywardError(error)) return { ok: false, code: error.code, detail: error.detail };
    throw error;
  } finally {
    for (const key of keys) key.fill(0);
  }
}

/** The task's outcome on the app's side: nothing, or the KeywardError it ended with. */
export function settleCopy(result: CopyResult): void {
  if (!result.ok) throw new KeywardError(result.code, result.detail);
}
