import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { TableDefinition } from '../../src/domain/table-schema.js';
import { dekLoader, newDek, tempPlane } from './helpers.js';

const notes: TableDefinition = { name: 'notes', columns: [{ name: 'text', type: 'text' }] };
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
function plane(maxOpenHandles?: number) {
  const t = tempPlane(maxOpenHandles === undefined ? {} : { maxOpenHandles });
  cleanups.push(t.dispose);
  return t;
}
const openFds = (): number => readdirSync('/proc/self/fd').length;

describe('SqliteCipherDataPlane: handles', () => {
  it('keeps at most 8 of 200 environments open, and every one still reads back', async () => {
    const { plane: p, dir } = plane(8);
    const fdsBefore = openFds();
    const envs = Array.from({ length: 200 }, (_, i) => ({ id: `env_${i}`, loader: dekLoader(newDek()) }));
    for (const [i, env] of envs.entries()) {
      const dek = await env.loader.load();
      await p.create(env.id, dek);
      dek.fill(0); // create only borrowed it
      await p.use(env.id, env.loader.load, (db) => {
        db.createTable(notes);
        db.insertRow('notes', 'row_1', { text: `note of environment ${i}` });
      });
      expect(p.openHandleCount).toBeLessThanOrEqual(8);
    }
    expect(openFds() - fdsBefore).toBeLessThanOrEqual(8 * 3 + 2); // db + wal + shm per open handle
    expect(readdirSync(dir).filter((f) => f.endsWith('-wal')).length).toBeLessThanOrEqual(8);
    for (const [i, env] of envs.entries()) {
      const row = await p.use(env.id, env.loader.load, (db) => db.getRow('notes', 'row_1'));
      expect(row?.text).toBe(`note of environment ${i}`);
      expect(p.openHandleCount).toBeLessThanOrEqual(8);
    }
    // Each was opened by create, then reopened (loadDek) for the first read after eviction.
    expect(envs.every((e) => e.loader.calls() === 2)).toBe(true);
    const last = envs[199]!;
    await p.use(last.id, last.loader.load, () => undefined); // still open: no new loadDek
    expect(last.loader.calls()).toBe(2);
  });

  it('shares one open (one loadDek) between concurrent first uses, and zeroes the DEK it got', async () => {
    const { plane: p } = plane();
    const dek = newDek();
    await p.create('env_c', dek);
    p.evict('env_c');
    const handedOut: Buffer[] = [];
    let calls = 0;
    const slowLoad = async (): Promise<Buffer> => {
      calls++;
      await new Promise((r) => setTimeout(r, 20));
      const copy = Buffer.from(dek);
      handedOut.push(copy);
      return copy;
    };
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => p.use('env_c', slowLoad, (db) => (db.listTables(), i))));
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(calls).toBe(1);
    expect(handedOut[0]!.equals(Buffer.alloc(32))).toBe(true);
    expect(dek.equals(Buffer.alloc(32))).toBe(false); // create did not touch the caller's buffer
  });

  it('concurrent opens that push each other out of a tiny LRU still all get their work done', async () => {
    const { plane: p } = plane(1);
    const envs = ['env_x', 'env_y', 'env_z'].map((id) => ({ id, loader: dekLoader(newDek()) }));
    for (const e of envs) {
      await p.create(e.id, await e.loader.load());
      await p.use(e.id, e.loader.load, (db) => db.createTable(notes));
    }
    p.evict('env_z');
    const results = await Promise.all(envs.map((e) => p.use(e.id, e.loader.load, (db) => db.listTables().length)));
    expect(results).toEqual([1, 1, 1]);
    expect(p.openHandleCount).toBe(1);
  });

  it('an evict while the key is being fetched leaves no handle behind', async () => {
    const { plane: p } = plane();
    const dek = newDek();
    await p.create('env_e', dek);
    p.evict('env_e');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const handedOut = Buffer.from(dek);
    const using = p.use(
      'env_e',
      async () => (await gate, handedOut),
      () => 'read',
    );
    await Promise.resolve();
    p.evict('env_e'); // e.g. the tenant is being locked
    release();
    await expect(using).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(p.openHandleCount).toBe(0);
    expect(handedOut.equals(Buffer.alloc(32))).toBe(true);
    expect(await p.use('env_e', dekLoader(dek).load, () => 'again')).toBe('again');
  });

  it('destroy removes the db, -wal and -shm files, even while open', async () => {
    const { plane: p, dir } = plane();
    const loader = dekLoader(newDek());
    await p.create('env_d', await loader.load());
    await p.use('env_d', loader.load, (db) => {
      db.createTable(notes);
      db.insertRow('notes', 'r', { text: 'x' });
    });
    expect(p.files('env_d')).toHaveLength(3);
    await p.destroy('env_d');
    expect(p.files('env_d')).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
    expect(p.openHandleCount).toBe(0);
    await expect(p.use('env_d', loader.load, () => 1)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(loader.calls()).toBe(1); // a missing environment costs no key fetch
    await p.destroy('env_d'); // idempotent
    await p.create('env_d', await loader.load()); // the id can be used again
  });

  it('close() closes every handle and refuses further use', async () => {
    const { plane: p, dir } = plane();
    for (const id of ['env_a', 'env_b']) await p.create(id, newDek());
    expect(p.openHandleCount).toBe(2);
    await p.close();
    expect(p.openHandleCount).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['env_a.db', 'env_b.db']);
    await expect(p.use('env_a', dekLoader(newDek()).load, () => 1)).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
