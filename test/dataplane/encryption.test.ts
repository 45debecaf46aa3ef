import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, describe, expect, it } from 'vitest';
import { CHOSEN_CIPHER, CIPHER_CANDIDATES } from '../../src/adapters/dataplane/cipher-settings.js';
import { SqliteCipherDataPlane } from '../../src/adapters/dataplane/sqlite-cipher-data-plane.js';
import { dekLoader, newDek, rawBytes, tempPlane } from './helpers.js';

const TABLE = 'MarkerTableZq7';
const COLUMN = 'MarkerColumnWx3';
const FILE_COLUMN = 'MarkerFileColumnKp9';
const VALUE = 'PLAINTEXT-ROW-MARKER-4711';
const FILE_BYTES = Buffer.from('FILE-BYTES-MARKER-0815');
const MARKERS = [TABLE, COLUMN, FILE_COLUMN, VALUE, FILE_BYTES.toString('latin1'), 'SQLite format 3'];

/** Every marker, in UTF-8 and UTF-16LE, must be absent from every file. */
function expectNoPlaintext(paths: string[]): void {
  for (const { path, bytes } of rawBytes(paths)) {
    for (const marker of MARKERS) {
      expect(bytes.includes(Buffer.from(marker, 'utf8')), `${marker} in ${basename(path)}`).toBe(false);
      expect(bytes.includes(Buffer.from(marker, 'utf16le')), `${marker} (UTF-16) in ${basename(path)}`).toBe(false);
    }
  }
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function filledEnvironment(cipher = CHOSEN_CIPHER) {
  const t = tempPlane({ cipher });
  cleanups.push(t.dispose);
  const dek = newDek();
  const loader = dekLoader(dek);
  await t.plane.create('env_m', dek);
  await t.plane.use('env_m', loader.load, (db) => {
    db.createTable({
      name: TABLE,
      columns: [
        { name: COLUMN, type: 'text' },
        { name: FILE_COLUMN, type: 'file' },
      ],
    });
    for (let i = 0; i < 50; i++) db.insertRow(TABLE, `row_${i}`, { [COLUMN]: `${VALUE}-${i}`, [FILE_COLUMN]: FILE_BYTES.toString('base64') });
  });
  return { ...t, dek, loader };
}

describe('SqliteCipherDataPlane: encryption at rest', () => {
  it('keeps row values, column and table names out of the db, -wal and -shm files', async () => {
    const { plane, dek } = await filledEnvironment();
    const open = plane.files('env_m');
    expect(open.map((p) => basename(p))).toEqual(['env_m.db', 'env_m.db-wal', 'env_m.db-shm']);
    expect(statSync(open[1]!).size).toBeGreaterThan(0); // the rows are in the WAL right now
    expectNoPlaintext(open);
    plane.evict('env_m'); // checkpoint: everything moves into the main file
    expect(plane.files('env_m')).toHaveLength(1);
    expectNoPlaintext(plane.files('env_m'));
    expect(readFileSync(plane.files('env_m')[0]!).includes(dek)).toBe(false);
  });

  it('control: the same scan finds the markers in an unencrypted database', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-plain-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const db = new Database(join(dir, 'plain.db'));
    db.exec(`CREATE TABLE "${TABLE}" ("id" TEXT PRIMARY KEY, "${COLUMN}" TEXT, "${FILE_COLUMN}" BLOB)`);
    db.prepare(`INSERT INTO "${TABLE}" VALUES (?, ?, ?)`).run('r', VALUE, FILE_BYTES);
    db.close();
    const bytes = readFileSync(join(dir, 'plain.db'));
    for (const marker of MARKERS) expect(bytes.includes(Buffer.from(marker)), marker).toBe(true);
  });

  for (const cipher of CIPHER_CANDIDATES.filter((c) => c.authenticated)) {
    it(`${cipher.label}: same guarantees (so the bench compares like with like)`, async () => {
      const { plane, loader } = await filledEnvironment(cipher);
      expectNoPlaintext(plane.files('env_m'));
      plane.evict('env_m');
      expect(await plane.use('env_m', loader.load, (db) => db.getRow(TABLE, 'row_7')?.[COLUMN])).toBe(`${VALUE}-7`);
    });
  }

  it('refuses the wrong DEK with a clear error, and no DEK at all', async () => {
    const { plane, dir } = await filledEnvironment();
    plane.evict('env_m');
    const wrong = dekLoader(newDek());
    await expect(plane.use('env_m', wrong.load, (db) => db.getRow(TABLE, 'row_1'))).rejects.toMatchObject({
      code: 'INTERNAL',
      detail: expect.stringMatching(/cannot be decrypted with the key given/),
    });
    expect(plane.openHandleCount).toBe(0);
    const plain = new Database(join(dir, 'env_m.db'), { fileMustExist: true });
    cleanups.push(() => void plain.close());
    expect(() => plain.prepare('SELECT * FROM sqlite_schema').all()).toThrow(/not a database/);
  });

  it("keys with the raw DEK (no KDF): SQLCipher-style x'hex' opens it, only with the chosen cipher", async () => {
    const { plane, dek } = await filledEnvironment();
    plane.evict('env_m');
    const path = plane.files('env_m')[0]!;
    const openWith = (pragmas: ReadonlyArray<readonly [string, string]>): number => {
      const db = new Database(path, { fileMustExist: true });
      try {
        for (const [name, value] of pragmas) db.pragma(`${name} = ${value}`);
        db.pragma(`key = "x'${dek.toString('hex')}'"`);
        return (db.prepare(`SELECT count(*) AS n FROM "${TABLE}"`).get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    expect(openWith(CHOSEN_CIPHER.pragmas)).toBe(50);
    const other = CIPHER_CANDIDATES.find((c) => c !== CHOSEN_CIPHER && c.label === 'chacha20')!;
    expect(() => openWith(other.pragmas)).toThrow(/not a database/);
  });

  it('refuses a DEK of the wrong length instead of treating it as a passphrase', async () => {
    const { plane, dispose } = tempPlane();
    cleanups.push(dispose);
    await expect(plane.create('env_s', Buffer.alloc(16, 1))).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(plane.files('env_s')).toEqual([]);
  });

  it('detects a changed byte (authenticated cipher) instead of returning other data', async () => {
    const { plane, loader } = await filledEnvironment();
    plane.evict('env_m');
    const path = plane.files('env_m')[0]!;
    const bytes = readFileSync(path);
    const lastPage = bytes.length - 4096;
    bytes[lastPage + 100] = bytes[lastPage + 100]! ^ 0x01;
    writeFileSync(path, bytes);
    await expect(plane.use('env_m', loader.load, (db) => db.listRows(TABLE, { limit: 1000 }))).rejects.toMatchObject({ code: 'SQLITE_CORRUPT' });
  });

  it('a crash copy (db + encrypted WAL) opens with the right key only', async () => {
    const { plane, dek } = await filledEnvironment();
    const copyDir = mkdtempSync(join(tmpdir(), 'kw-crashcopy-'));
    cleanups.push(() => rmSync(copyDir, { recursive: true, force: true }));
    for (const p of plane.files('env_m').filter((f) => !f.endsWith('-shm'))) copyFileSync(p, join(copyDir, basename(p).replace('env_m', 'env_c')));
    expect(existsSync(join(copyDir, 'env_c.db-wal'))).toBe(true);
    const other = new SqliteCipherDataPlane({ directory: copyDir });
    cleanups.push(() => other.close());
    await expect(other.use('env_c', dekLoader(newDek()).load, () => 1)).rejects.toMatchObject({ code: 'INTERNAL' });
    const rows = await other.use('env_c', dekLoader(dek).load, (db) => db.listRows(TABLE, { limit: 1000 }).items.length);
    expect(rows).toBe(50);
  });
});
