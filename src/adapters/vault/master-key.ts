import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * The software vault's master key: 256 bits, kept as 64 hex characters in a file the operator
 * owns. Made at first start when no file is configured. Never logged, never in an error. A file
 * that group or others may read stops the start: it seals every key the software vault holds.
 *
 * Rotation (SPEC, issue "crypto-shredding that survives backups"): a new key is staged beside
 * the file (`<file>.next-<random>`, 0600, synced), every sealed object is re-sealed under it in
 * one commit of the store, and only then does the staged file replace the old one (whose bytes
 * are overwritten first). A crash at any point leaves the objects sealed under exactly one of
 * the keys on disk: a start tries them all (`candidates`) and finishes or discards the rotation.
 * Several instances may rotate at once: each stages its own file, and only the one whose re-seal
 * commits renames its file in.
 */
const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const STAGED = '.next-';

export interface MasterKeySource {
  key: Buffer;
  /** True when this start made the key (and so the file). */
  created: boolean;
}

/** A short fingerprint, for logs and for telling keys apart (not secret: a hash of the key). */
export const masterKeyFingerprint = (key: Buffer): string =>
  createHash('sha256').update('keyward|master-key|').update(key).digest('hex').slice(0, 16);

function readKeyFile(file: string): Buffer {
  const mode = statSync(file).mode & 0o077;
  if (mode !== 0) {
    throw new Error(
      `The master key file ${file} is readable by group or others (mode ${(statSync(file).mode & 0o777).toString(8)}); run chmod 600 on it, then start again.`,
    );
  }
  const text = readFileSync(file, 'utf8').trim();
  if (!HEX_KEY.test(text)) throw new Error(`The master key file ${file} must hold exactly 64 hex characters (256 bits).`);
  return Buffer.from(text, 'hex');
}

function writeSynced(file: string, key: Buffer, flag: 'wx' | 'w'): void {
  writeFileSync(file, `${key.toString('hex')}\n`, { mode: 0o600, flag });
  chmodSync(file, 0o600);
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export class MasterKeyFile {
  constructor(
    readonly path: string,
    private readonly mayCreate: boolean,
  ) {}

  /** The key in the file, made first if this is a first start with no configured file. */
  load(): MasterKeySource {
    if (!existsSync(this.path)) {
      if (!this.mayCreate) throw new Error(`KEYWARD_MASTER_KEY_FILE points at ${this.path}, which does not exist.`);
      const key = randomBytes(32);
      // 'wx': never overwrite a key another process made at the same moment.
      writeSynced(this.path, key, 'wx');
      return { key, created: true };
    }
    return { key: readKeyFile(this.path), created: false };
  }

  /** The key in the file and every staged one, the file's first: what a start tries to open the vault with. */
  candidates(): { key: Buffer; staged?: string }[] {
    const found: { key: Buffer; staged?: string }[] = [];
    if (existsSync(this.path)) found.push({ key: readKeyFile(this.path) });
    for (const staged of this.stagedFiles()) {
      try {
        found.push({ key: readKeyFile(staged), staged });
      } catch {
        // a staged file cut short by a crash: it sealed nothing
      }
    }
    return found;
  }

  /** Whether Keyward may replace the file (a rotation needs to write beside it and rename over it). */
  writable(): boolean {
    try {
      const probe = `${this.path}${STAGED}probe-${randomBytes(4).toString('hex')}`;
      writeFileSync(probe, '', { mode: 0o600, flag: 'wx' });
      rmSync(probe);
      return true;
    } catch {
      return false;
    }
  }

  /** Writes a new key beside the file; returns where (the rotation's own staged file). */
  stage(key: Buffer): string {
    const staged = `${this.path}${STAGED}${randomBytes(6).toString('hex')}`;
    writeSynced(staged, key, 'wx');
    return staged;
  }

  /** Puts a staged key in place of the file: the old key's bytes are overwritten first. */
  commit(staged: string): void {
    if (existsSync(this.path)) {
      const fd = openSync(this.path, 'r+');
      try {
        const size = statSync(this.path).size;
        writeSync(fd, Buffer.alloc(size, 0), 0, size, 0);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    renameSync(staged, this.path);
    syncDirectory(dirname(this.path));
  }

  discard(staged: string): void {
    rmSync(staged, { force: true });
  }

  /** Staged files of rotations that did not finish, to be discarded once the vault is open. */
  stagedFiles(): string[] {
    const dir = dirname(this.path);
    const prefix = `${basename(this.path)}${STAGED}`;
    return readdirSync(dir)
      .filter((name) => name.startsWith(prefix) && !name.includes('probe'))
      .map((name) => join(dir, name));
  }
}

/** Reads (or on a first start makes) the master key; kept for tools and tests that need only the key. */
export function loadOrCreateMasterKey(file: string, mayCreate: boolean): MasterKeySource {
  return new MasterKeyFile(file, mayCreate).load();
}
