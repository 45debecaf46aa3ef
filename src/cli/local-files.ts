import { accessSync, closeSync, constants, existsSync, fchmodSync, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CliError } from './cli-error.js';

/**
 * Files the CLI writes hold secrets the server hands out once (a generated .pfx, a new token):
 * mode 0600 from the first byte, never a silent overwrite, and never a half-written file under
 * the final name.
 */

/** Checked *before* the request, so a refusal comes while nothing has been handed out yet. */
export function ensureWritable(path: string, force: boolean): void {
  if (!force && existsSync(path)) throw new CliError('LOCAL_FILE', `${path} exists; choose another file or pass --force to overwrite it.`);
  try {
    accessSync(dirname(path), constants.W_OK);
  } catch {
    throw new CliError('LOCAL_FILE', `Cannot write into ${dirname(path)}: it does not exist or is not writable.`);
  }
}

/**
 * Writes to a fresh 0600 file beside the target, flushes it, then moves it in place: by rename
 * with --force, by link otherwise (link fails if the name was taken meanwhile, so nothing is
 * clobbered; the bytes then stay in the temporary file, which the error names).
 */
export function writeNewFile(path: string, data: Buffer | string, force: boolean): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  let fd: number;
  try {
    fd = openSync(temp, 'wx', 0o600);
  } catch (error) {
    throw new CliError('LOCAL_FILE', `Cannot create ${temp}: ${codeOf(error)}.`);
  }
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    if (force) renameSync(temp, path);
    else {
      linkSync(temp, path);
      unlinkSync(temp);
    }
  } catch (error) {
    throw new CliError('LOCAL_FILE', `Cannot write ${path} (${codeOf(error)}); the data was saved in ${temp} instead (mode 0600).`);
  }
}

const codeOf = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? 'failed';
