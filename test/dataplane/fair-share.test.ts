// Issue 13, findings 3, 8 and 9 on the data plane: pages of rows have a byte cap and rows a size
// cap; backups, restores and copies run off the event loop and stop when their environment is
// evicted; every file they make is private to the owner (0600).
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SqliteCipherDataPlane } from '../../src/adapters/dataplane/sqlite-cipher-data-plane.js';
import type { SqliteEnvironmentDatabase } from '../../src/adapters/dataplane/sqlite-environment-database.js';
import { isKeywardError } from '../../src/domain/errors.js';
import { MAX_ROW_BYTES } from '../../src/domain/table-schema.js';
import { dekLoader, newDek, tempPlane } from './helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

let umask: number;
beforeAll(() => {
  // The usual default: files SQLite makes on its own would be 0644 under it.
  umask = process.umask(0o022);
});
afterAll(() => {
  process.umask(umask);
});

function plane(options: { maxPageBytes?: number } = {}) {
  const t = tempPlane(options);
  cleanups.push(t.dispose);
  return t;
}

const DOCS = { name: 'docs', columns: [{ name: 'body', type: 'text' as const }] };

async function environment(p: SqliteCipherDataPlane, id: string, rows: number, cellBytes: number) {
  const dek = newDek();
  await p.create(id, dek);
  const load = dekLoader(dek).load;
  await p.use(id, load, (db) => {
    db.createTable(DOCS);
    (db as SqliteEnvironmentDatabase).transaction(() => {
      for (let i = 0; i < rows; i++) db.insertRow('docs', `row_${String(i).padStart(5, '0')}`, { body: randomBytes(cellBytes / 2).toString('hex') });
    });
  });
  return { id, load };
}

const codeOf = async (work: () => Promise<unknown>): Promise<string> => {
  try {
    await work();
    return 'ok';
  } catch (error) {
    return isKeywardError(error) ? error.code : String(error);
  }
};

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('row pages and rows are bounded in bytes', () => {
  it('a page stops before the row that would take it past the byte cap, and its cursor goes on from there', async () => {
    const { plane: p } = plane({ maxPageBytes: 100_000 });
    const env = await environment(p, 'env_pages', 30, 30_000);
    const pages: number[] = [];
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = await p.use(env.id, env.load, (db) => db.listRows('docs', { limit: 1000, ...(after ? { after } : {}) }));
      pages.push(page.items.length);
      seen.push(...page.items.map((r) => r.id));
      after = page.nextCursor ?? undefined;
    } while (after !== undefined);
    expect(pages.every((n) => n <= 3)).toBe(true);
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => `row_${String(i).padStart(5, '0')}`));
  });

  it('a row larger than the cap still comes, alone on its page', async () => {
    const { plane: p } = plane({ maxPageBytes: 100_000 });
    const env = await environment(p, 'env_big', 3, 300_000);
    const page = await p.use(env.id, env.load, (db) => db.listRows('docs', { limit: 1000 }));
    expect(page.items).toHaveLength(1);
    expect(page.nextCursor).toBe('row_00000');
  });

  it('a row cannot grow past the row cap, by insert or by update', async () => {
    const { plane: p } = plane();
    const dek = newDek();
    await p.create('env_rows', dek);
    const load = dekLoader(dek).load;
    const cell = 'x'.repeat(4 * 1024 * 1024);
    const columns = Array.from({ length: 5 }, (_, i) => ({ name: `c${i}`, type: 'text' as const }));
    await p.use('env_rows', load, (db) => db.createTable({ name: 'wide', columns }));
    const full = Object.fromEntries(columns.map((c) => [c.name, cell]));
    expect(await codeOf(() => p.use('env_rows', load, (db) => db.insertRow('wide', 'row_a', full)))).toBe('PAYLOAD_TOO_LARGE');
    await p.use('env_rows', load, (db) => db.insertRow('wide', 'row_b', { c0: cell, c1: cell, c2: cell }));
    expect(4 * cell.length).toBeLessThanOrEqual(MAX_ROW_BYTES);
    expect(await codeOf(() => p.use('env_rows', load, (db) => db.updateRow('wide', 'row_b', { c3: cell, c4: cell })))).toBe('PAYLOAD_TOO_LARGE');
    const row = await p.use('env_rows', load, (db) => db.getRow('wide', 'row_b'));
    expect([row?.c3, row?.c4]).toEqual([null, null]);
  });
});

describe('backups, restores and copies', () => {
  it('run off the event loop: it keeps turning while a backup is taken', async () => {
    const { plane: p } = plane();
    const env = await environment(p, 'env_loop', 600, 50_000);
    let turns = 0;
    let running = true;
    const spin = () => {
      turns++;
      if (running) setImmediate(spin);
    };
    setImmediate(spin);
    await p.backup(env.id, env.load, 'bk_loop').finally(() => (running = false));
    // The copy is ~30 MB; done on the event loop, not one turn would have happened meanwhile.
    expect(turns).toBeGreaterThan(20);
  });

  it('an evict wins over a live copy (CONFLICT, nothing kept), before the key arrives or while the copy runs', async () => {
    const { plane: p, dir } = plane();
    const env = await environment(p, 'env_evict', 600, 50_000);
    const early = codeOf(() => p.backup(env.id, env.load, 'bk_early'));
    p.evict(env.id);
    expect(await early).toBe('CONFLICT');

    const running = codeOf(() => p.backup(env.id, env.load, 'bk_running'));
    const partial = join(dir, 'backups', env.id, 'bk_running.db.tmp');
    while (!existsSync(partial)) await new Promise((r) => setImmediate(r));
    p.evict(env.id);
    expect(await running).toBe('CONFLICT');
    expect(p.backupFiles(env.id).filter((f) => f.endsWith('.db'))).toEqual([]);
  });

  it('make every file 0600: backups, restored and copied databases', async () => {
    const { plane: p, dir } = plane();
    const a = await environment(p, 'env_a', 5, 1000);
    const b = await environment(p, 'env_b', 5, 1000);
    await p.backup(a.id, a.load, 'bk_1');
    const [backupFile] = p.backupFiles(a.id);
    expect(modeOf(backupFile!)).toBe(0o600);
    await p.restoreInto(a.id, a.load, { environmentId: a.id, loadDek: a.load, backupId: 'bk_1' });
    expect(modeOf(join(dir, 'env_a.db'))).toBe(0o600);
    await p.restoreInto(b.id, b.load, { environmentId: a.id, loadDek: a.load, backupId: 'bk_1' });
    expect(modeOf(join(dir, 'env_b.db'))).toBe(0o600);
    await p.restoreInto(b.id, b.load, { environmentId: a.id, loadDek: a.load });
    expect(modeOf(join(dir, 'env_b.db'))).toBe(0o600);
    for (const path of [...p.files(a.id), ...p.files(b.id), ...p.backupFiles(a.id)]) expect(modeOf(path), path).toBe(0o600);
    expect(await p.use(b.id, b.load, (db) => db.listRows('docs', { limit: 10 }).items.length)).toBe(5);
  });
});
