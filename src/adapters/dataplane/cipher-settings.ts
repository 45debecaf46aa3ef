import Database from 'better-sqlite3-multiple-ciphers';
import { fail } from '../../domain/errors.js';

/**
 * How an environment database is encrypted and opened. SQLite3 Multiple Ciphers (2.3.5 in
 * better-sqlite3-multiple-ciphers 12.11) encrypts every page of the main file and of the WAL;
 * the cipher is not recorded in the file, so the one below is part of the on-disk format:
 * changing it needs a migration (open with the old, `rekey` under the new).
 *
 * The cipher was chosen by measurement: `npm run bench dataplane` on a 2-vCPU AMD EPYC VM
 * (AES-NI, VAES, AVX-512), Node 20, other work running on the machine. Ratios to plain SQLite
 * with the same pragmas, code path and workload, interleaved in the same run (the bench's header
 * says how); read columns "cold" miss the 2 MiB page cache, "warm" hit it:
 *
 *   cipher        authenticated   batch  autocommit  point cold  point warm  scan cold  scan warm
 *   aegis-256     yes (AEAD)      0.90×     0.98×       0.85×       0.96×      0.94×      0.98×
 *   aegis-256x2   yes (AEAD)      0.91×     0.99×       0.88×       0.98×      0.96×      0.98×
 *   aegis-256x4   yes (AEAD)      0.94×     0.98×       0.92×       0.99×      0.96×      0.99×
 *   chacha20      yes (Poly1305)  0.51×     0.86×       0.42×       0.96×      0.58×      0.97×
 *   ascon128      yes (AEAD)      0.46×     0.82×       0.36×       0.96×      0.52×      0.96×
 *   sqlcipher     yes (HMAC-512)  0.42×     0.81×       0.39×       0.98×      0.54×      0.99×
 *   aes256cbc     NO              0.71×     0.93×       0.84×       1.01×      0.86×      1.02×
 *   (plain: ~22-30k rows/s batch, ~5-6k rows/s autocommit, ~205k point reads/s cold,
 *    ~1.0M rows/s scanned; three runs agreed within about ±0.04, warm reads are noise only)
 *
 * AEGIS-256X2 is chosen. Authenticated: a flipped bit or a wrong key is an error, never silently
 * other data (so wxSQLite3's aes128cbc/aes256cbc are out, whatever their speed). A 256-bit key:
 * the whole DEK keys the cipher. The AEGIS family is 2-4× faster than ChaCha20-Poly1305, Ascon
 * and the SQLCipher scheme here, because it runs on the CPU's AES instructions while those are
 * portable C. Among the AEGIS variants the differences are near the noise; x4 spreads its work
 * over four AES lanes and needs AVX-512 to profit, x2 needs only AVX2 with VAES (hosts with
 * AES-NI alone run its two lanes on AES-NI: not measured here), so x2 is the safer pick for the
 * hosts we have not measured. Re-check with the bench before changing: it is an on-disk format.
 * The AEGIS-128 variants are left out: with a raw 32-byte key SQLite3MC would read 16 bytes of
 * key and 16 of salt, leaving half the DEK unused.
 */
export interface CipherSettings {
  /** Label for benches and logs. */
  readonly label: string;
  /** Whether a changed byte is detected (AEAD or encrypt-then-MAC). */
  readonly authenticated: boolean;
  /** `PRAGMA name = value` pairs set before the key, `cipher` first. Constants, never input. */
  readonly pragmas: ReadonlyArray<readonly [string, string]>;
}

const cipher = (label: string, authenticated: boolean, ...pragmas: Array<readonly [string, string]>): CipherSettings =>
  Object.freeze({ label, authenticated, pragmas: Object.freeze(pragmas) });

export const CIPHER_CANDIDATES: readonly CipherSettings[] = [
  cipher('aegis-256', true, ['cipher', "'aegis'"], ['algorithm', "'aegis-256'"]),
  cipher('aegis-256x2', true, ['cipher', "'aegis'"], ['algorithm', "'aegis-256x2'"]),
  cipher('aegis-256x4', true, ['cipher', "'aegis'"], ['algorithm', "'aegis-256x4'"]),
  cipher('chacha20', true, ['cipher', "'chacha20'"]),
  cipher('ascon128', true, ['cipher', "'ascon128'"]),
  cipher('sqlcipher', true, ['cipher', "'sqlcipher'"]),
  cipher('aes256cbc', false, ['cipher', "'aes256cbc'"]),
];

export const CHOSEN_CIPHER: CipherSettings = CIPHER_CANDIDATES.find((c) => c.label === 'aegis-256x2') ?? fail('INTERNAL', 'No cipher configured.');

/** The DEK is a raw 256-bit key; every candidate above takes exactly that. */
export const DEK_BYTES = 32;

/**
 * How the raw key reaches SQLite3MC: `sqlite3_key(db, "raw:" + 32 key bytes)`. Its key parser
 * (sqlite3mcExtractRawKey) takes a `raw:` prefix followed by exactly the cipher's key length as
 * the key itself and skips the passphrase KDF (Argon2id for AEGIS). It is the binary twin of
 * SQLCipher's `PRAGMA key = "x'<64 hex>'"` (a test opens our files that way), chosen because
 * it never puts the key into a JS string, which could not be wiped.
 */
const RAW_KEY_PREFIX = Buffer.from('raw:', 'latin1');

export interface HandleOptions {
  /** Page cache per handle; bounded because hundreds of handles may be open at once. */
  cacheKiB: number;
}

/**
 * Keys a just-opened handle with the raw DEK. The DEK is only borrowed: it is copied into a
 * scratch buffer with the `raw:` prefix, which is zeroed before returning; SQLite3MC keeps its
 * own copy of the key schedule inside the handle and wipes it when the handle closes.
 */
function keyHandle(db: Database.Database, settings: CipherSettings, dek: Buffer): void {
  if (dek.length !== DEK_BYTES) fail('INTERNAL', `A data encryption key must be ${DEK_BYTES} bytes.`);
  for (const [name, value] of settings.pragmas) db.pragma(`${name} = ${value}`);
  const raw = Buffer.alloc(RAW_KEY_PREFIX.length + DEK_BYTES);
  try {
    RAW_KEY_PREFIX.copy(raw, 0);
    dek.copy(raw, RAW_KEY_PREFIX.length);
    db.key(raw);
  } finally {
    raw.fill(0);
  }
}

/**
 * Whether the file at `path` decrypts under `dek`: its schema page is read and nothing is
 * written (no journal-mode change). What a re-key that crashed half-way asks to know which
 * key a file is under now.
 */
export function opensWithKey(path: string, settings: CipherSettings, dek: Buffer): boolean {
  const db = new Database(path, { fileMustExist: true, readonly: true });
  try {
    keyHandle(db, settings, dek);
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    return true;
  } catch (error) {
    if (isNotADatabase(error)) return false;
    throw error;
  } finally {
    db.close();
  }
}

/**
 * Re-encrypts every page of a keyed handle under another raw DEK, same cipher, in place (a
 * restore or copy into another environment, database-copies.ts). SQLite3MC reads each page
 * under the old key (an AEAD failure aborts) and writes it under the new one. The handle must
 * be the file's only connection and out of WAL mode. Same key handling as keyHandle.
 */
export function rekeyHandle(db: Database.Database, dek: Buffer): void {
  if (dek.length !== DEK_BYTES) fail('INTERNAL', `A data encryption key must be ${DEK_BYTES} bytes.`);
  const raw = Buffer.alloc(RAW_KEY_PREFIX.length + DEK_BYTES);
  try {
    RAW_KEY_PREFIX.copy(raw, 0);
    dek.copy(raw, RAW_KEY_PREFIX.length);
    db.rekey(raw);
  } finally {
    raw.fill(0);
  }
}

/**
 * Pragmas every handle gets, encrypted or not (the bench's plain baseline uses them too).
 * WAL + synchronous=FULL: a committed write survives power loss. temp_store=MEMORY because
 * SQLite3MC does not encrypt temporary files (sorts, big subqueries): they must not reach disk.
 */
function applyConnectionPragmas(db: Database.Database, options: HandleOptions): void {
  db.pragma(`cache_size = ${-Math.max(64, Math.floor(options.cacheKiB))}`);
  db.pragma('temp_store = MEMORY');
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal') fail('INTERNAL', 'The environment database could not switch to WAL mode.');
  db.pragma('synchronous = FULL');
}

const isNotADatabase = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && 'code' in error && (error.code === 'SQLITE_NOTADB' || error.code === 'SQLITE_CORRUPT');

/**
 * Opens `path` (which must exist; an empty file is a new database) and keys it. `settings` null
 * opens a plain, unencrypted database: only the bench asks for that, the data plane never does.
 * Reading the schema right after keying turns a wrong key into a clear error here rather than
 * at the first query.
 */
export function openHandle(path: string, settings: CipherSettings | null, dek: Buffer | null, options: HandleOptions): Database.Database {
  const db = new Database(path, { fileMustExist: true });
  try {
    if (settings !== null) keyHandle(db, settings, dek ?? fail('INTERNAL', 'An encrypted database needs its key.'));
    try {
      db.prepare('SELECT count(*) FROM sqlite_schema').get();
    } catch (error) {
      if (isNotADatabase(error)) {
        fail('INTERNAL', 'The environment database cannot be decrypted with the key given: the key is wrong or the file is damaged.');
      }
      throw error;
    }
    applyConnectionPragmas(db, options);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
