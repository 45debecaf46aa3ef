import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CHOSEN_CIPHER, openHandle } from '../../src/adapters/dataplane/cipher-settings.js';
import { SqliteCipherDataPlane } from '../../src/adapters/dataplane/sqlite-cipher-data-plane.js';
import { isKeywardError } from '../../src/domain/errors.js';
import { dekLoader, newDek, tempPlane } from './helpers.js';

const MARKER = 'BACKUP-PLAINTEXT-MARKER-5150';
const NOTES = { name: 'notes', columns: [{ name: 'body', type: 'text' as const }] };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function plane(options: { backupDirectory?: string } = {}) {
  const t = tempPlane(options);
  cleanups.push(t.dispose);
  return t;
}

async function environment(p: SqliteCipherDataPlane, id: string, rows: string[]) {
  const dek = newDek();
  await p.create(id, dek);
  const load = dekLoader(dek).load;
  await p.use(id, load, (db) => {
    db.createTable(NOTES);
    for (const [i, body] of rows.entries()) db.insertRow('notes', `row_${i}`, { body });
  });
  return { id, dek, load };
}

const bodies = (p: SqliteCipherDataPlane, env: { id: string; load: () => Promise<Buffer> }) =>
  p.use(env.id, env.load, (db) => db.listRows('notes', { limit: 100 }).items.map((r) => r.body));

/** Rows read straight from a file with a given DEK; throws when the DEK does not open it. */
function readWith(path: string, dek: Buffer): unknown[] {
  const db = openHandle(path, CHOSEN_CIPHER, dek, { cacheKiB: 256 });
  try {
    db.pragma('query_only = ON');
    return db.prepare('SELECT body FROM notes ORDER BY id').pluck().all();
  } finally {
    db.close();
  }
}

describe('backups, restores and copies on SQLite3 Multiple Ciphers', () => {
  it('SQLite3MC refuses better-sqlite3 backup() into an unkeyed file: no plaintext copy can be made that way', async () => {
    const { plane: p, dir } = plane();
    const env = await environment(p, 'env_a', [MARKER]);
    const raw = openHandle(join(dir, 'env_a.db'), CHOSEN_CIPHER, env.dek, { cacheKiB: 256 });
    try {
      await expect(raw.backup(join(dir, 'plain.db'))).rejects.toThrow(/backup is not supported/);
    } finally {
      raw.close();
    }
    if (existsSync(join(dir, 'plain.db'))) expect(readFileSync(join(dir, 'plain.db')).includes(MARKER)).toBe(false);
  });

  it('a backup is a consistent copy under the same DEK, with no plaintext, taken while the environment is in use', async () => {
    const { plane: p, dir } = plane();
    const env = await environment(p, 'env_a', [`${MARKER}-1`, `${MARKER}-2`]);
    const { bytes } = await p.backup('env_a', env.load, 'bk_1');
    await p.use('env_a', env.load, (db) => db.insertRow('notes', 'row_later', { body: 'after the backup' }));
    const [file] = p.backupFiles('env_a');
    expect(file).toBe(join(dir, 'backups', 'env_a', 'bk_1.db'));
    expect(statSync(file!).size).toBe(bytes);
    const content = readFileSync(file!);
    expect(content.includes(Buffer.from(MARKER))).toBe(false);
    expect(content.includes(Buffer.from('SQLite format 3'))).toBe(false);
    expect(readWith(file!, env.dek)).toEqual([`${MARKER}-1`, `${MARKER}-2`]);
    expect(() => readWith(file!, newDek())).toThrow();
    await p.destroyBackups('env_a');
    expect(p.backupFiles('env_a')).toEqual([]);
  });

  it('restores a backup into its own environment, and re-keys one restored into another environment', async () => {
    const backupDirectory = join(plane().dir, 'elsewhere');
    const { plane: p } = plane({ backupDirectory });
    const a = await environment(p, 'env_a', ['a1', 'a2']);
    const b = await environment(p, 'env_b', ['b1']);
    await p.backup('env_a', a.load, 'bk_1');
    expect(p.backupFiles('env_a')).toEqual([join(backupDirectory, 'env_a', 'bk_1.db')]);
    await p.use('env_a', a.load, (db) => db.insertRow('notes', 'row_x', { body: 'after' }));

    await p.restoreInto('env_a', a.load, { environmentId: 'env_a', loadDek: a.load, backupId: 'bk_1' });
    expect(await bodies(p, a)).toEqual(['a1', 'a2']);

    await p.restoreInto('env_b', b.load, { environmentId: 'env_a', loadDek: a.load, backupId: 'bk_1' });
    expect(await bodies(p, b)).toEqual(['a1', 'a2']);
    p.evict('env_b');
    const bFile = p.files('env_b')[0]!;
    expect(readWith(bFile, b.dek)).toEqual(['a1', 'a2']);
    expect(() => readWith(bFile, a.dek)).toThrow();
    // Nothing is left beside the target but its database (no scratch copy).
    expect(p.files('env_b')).toEqual([bFile]);
  });

  it('copies a live environment into another under the target DEK', async () => {
    const { plane: p } = plane();
    const a = await environment(p, 'env_a', ['live-1']);
    const c = await environment(p, 'env_c', ['old']);
    await p.restoreInto('env_c', c.load, { environmentId: 'env_a', loadDek: a.load });
    expect(await bodies(p, c)).toEqual(['live-1']);
    await p.use('env_c', c.load, (db) => db.insertRow('notes', 'row_9', { body: 'writable' }));
    expect(await bodies(p, a)).toEqual(['live-1']);
  });

  it('waits for another instance on the same directory to close the target before replacing it', async () => {
    const { plane: a, dir } = plane();
    const b = new SqliteCipherDataPlane({ directory: dir });
    cleanups.push(() => b.close());
    const source = await environment(a, 'env_s', ['new']);
    const target = await environment(a, 'env_t', ['old']);
    expect(await bodies(b, target)).toEqual(['old']); // b holds a handle on the old file
    const released = new Promise<void>((done) => setTimeout(() => (b.evict('env_t'), done()), 400));
    await a.restoreInto('env_t', target.load, { environmentId: 'env_s', loadDek: source.load });
    await released;
    expect(await bodies(b, target)).toEqual(['new']);
    expect(await bodies(a, target)).toEqual(['new']);
  });

  it('detach closes the database everywhere and leaves one checkpointed file', async () => {
    const { plane: p, dir } = plane();
    const env = await environment(p, 'env_d', ['x']);
    await p.use('env_d', env.load, (db) => db.insertRow('notes', 'row_y', { body: 'in the WAL' }));
    expect(existsSync(join(dir, 'env_d.db-wal'))).toBe(true);
    await p.detach('env_d', env.load);
    expect(p.openEnvironmentIds()).toEqual([]);
    expect(p.files('env_d')).toEqual([join(dir, 'env_d.db')]);
    expect(readWith(join(dir, 'env_d.db'), env.dek)).toEqual(['x', 'in the WAL']);
  });

  it('refuses a backup that is missing, and ids that are not file-name safe', async () => {
    const { plane: p } = plane();
    const a = await environment(p, 'env_a', ['a']);
    const code = (e: unknown) => (isKeywardError(e) ? e.code : String(e));
    await expect(p.restoreInto('env_a', a.load, { environmentId: 'env_a', loadDek: a.load, backupId: 'bk_none' }).catch(code)).resolves.toBe(
      'NOT_FOUND',
    );
    await expect(p.backup('env_a', a.load, '../escape').catch(code)).resolves.toBe('VALIDATION_FAILED');
    expect(() => p.backupFiles('../x')).toThrow();
  });
});
