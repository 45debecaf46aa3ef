// The DataPlane contract: what every adapter must do, through the port alone. An adapter's test
// file calls `dataPlaneContract` with a factory; adapter-specific behaviour is tested beside it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeywardError } from '../../src/domain/errors.js';
import type { Row } from '../../src/domain/table-schema.js';
import type { DataPlane, EnvironmentDatabase } from '../../src/ports/data-plane.js';
import { dekLoader, everyTypeTable, newDek } from './helpers.js';

export interface PlaneUnderTest {
  plane: DataPlane;
  dispose: () => Promise<void>;
}

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    return error instanceof KeywardError ? error.code : `not a KeywardError: ${String(error)}`;
  }
  return undefined;
};

export function dataPlaneContract(adapter: string, make: () => PlaneUnderTest): void {
  describe(`DataPlane contract: ${adapter}`, () => {
    let plane: DataPlane;
    let dispose: () => Promise<void>;
    const dek = newDek();
    const loader = dekLoader(dek);
    const on = <T>(work: (db: EnvironmentDatabase) => T): Promise<T> => plane.use('env_1', loader.load, work);

    beforeEach(async () => {
      ({ plane, dispose } = make());
      await plane.create('env_1', dek);
      await on((db) => db.createTable(everyTypeTable));
    });
    afterEach(() => dispose());

    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]).toString('base64');
    const full = {
      title: 'Hello',
      amount: 12.5,
      done: true,
      due: '2026-01-31T12:00:00.000Z',
      attachment: Buffer.from('%PDF-1.7').toString('base64'),
      picture: png,
    };

    it('inserts and reads back every column type, booleans as booleans and files as base64', async () => {
      const inserted = await on((db) => db.insertRow('Things', 'row_a', full));
      expect(inserted).toEqual({ id: 'row_a', ...full });
      plane.evict('env_1'); // read from disk, not from anything kept in memory
      const read = await on((db) => db.getRow('Things', 'row_a'));
      expect(read).toEqual({ id: 'row_a', ...full });
      expect(typeof read?.done).toBe('boolean');
      const falsy = await on((db) => db.insertRow('Things', 'row_b', { done: false, amount: 0 }));
      expect(falsy).toEqual({ id: 'row_b', title: null, amount: 0, done: false, due: null, attachment: null, picture: null });
      expect(await on((db) => db.getRow('Things', 'row_b'))).toEqual(falsy);
    });

    it('stores a large file (overflow pages) and returns it intact', async () => {
      const big = Buffer.alloc(1024 * 1024, 7);
      big.write('start', 0);
      big.write('end', big.length - 3);
      await on((db) => db.insertRow('Things', 'row_big', { attachment: big.toString('base64'), title: 'x'.repeat(100_000) }));
      plane.evict('env_1');
      const row = await on((db) => db.getRow('Things', 'row_big'));
      expect(Buffer.from(row!.attachment as string, 'base64').equals(big)).toBe(true);
      expect(row!.title).toHaveLength(100_000);
    });

    it('normalises datetimes to UTC and refuses values of the wrong type or unknown columns', async () => {
      const row = await on((db) => db.insertRow('Things', 'r1', { due: '2026-01-31T14:00:00+02:00' }));
      expect(row.due).toBe('2026-01-31T12:00:00.000Z');
      await expect(on((db) => db.insertRow('Things', 'r2', { amount: 'twelve' }))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await expect(on((db) => db.insertRow('Things', 'r3', { nope: 'x' }))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await expect(on((db) => db.insertRow('Things', '', {}))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    });

    it('updates only the given columns and says when there is no such row', async () => {
      await on((db) => db.insertRow('Things', 'row_a', full));
      const updated = await on((db) => db.updateRow('Things', 'row_a', { done: false, picture: null }));
      expect(updated).toEqual({ id: 'row_a', ...full, done: false, picture: null });
      expect(await on((db) => db.updateRow('Things', 'row_a', {}))).toEqual(updated);
      expect(await on((db) => db.updateRow('Things', 'missing', { title: 'x' }))).toBeUndefined();
      plane.evict('env_1');
      expect(await on((db) => db.getRow('Things', 'row_a'))).toEqual(updated);
    });

    it('deletes', async () => {
      await on((db) => db.insertRow('Things', 'row_a', full));
      expect(await on((db) => db.deleteRow('Things', 'row_a'))).toBe(true);
      expect(await on((db) => db.deleteRow('Things', 'row_a'))).toBe(false);
      expect(await on((db) => db.getRow('Things', 'row_a'))).toBeUndefined();
    });

    it('pages by id with a cursor, null on the last page, every type intact', async () => {
      const ids = Array.from({ length: 25 }, (_, i) => `row_${String(i).padStart(3, '0')}`);
      await on((db) => {
        for (const [i, id] of [...ids].reverse().entries()) db.insertRow('Things', id, { ...full, amount: i, done: i % 2 === 0 });
      });
      const seen: Row[] = [];
      let after: string | undefined;
      const cursors: Array<string | null> = [];
      do {
        const page = await on((db) => db.listRows('Things', { limit: 10, ...(after === undefined ? {} : { after }) }));
        seen.push(...page.items);
        cursors.push(page.nextCursor);
        after = page.nextCursor ?? undefined;
      } while (after !== undefined);
      expect(seen.map((r) => r.id)).toEqual(ids);
      expect(cursors).toEqual(['row_009', 'row_019', null]);
      expect(seen[0]).toEqual({ id: 'row_000', ...full, amount: 24, done: true });
      const exact = await on((db) => db.listRows('Things', { limit: 25 }));
      expect(exact.items).toHaveLength(25);
      expect(exact.nextCursor).toBeNull();
      expect((await on((db) => db.listRows('Things', { limit: 5, after: 'row_024' }))).items).toEqual([]);
    });

    it('refuses page limits outside 1..1000', async () => {
      for (const limit of [0, 1001, 2.5, -1]) {
        await expect(on((db) => db.listRows('Things', { limit }))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      }
      expect((await on((db) => db.listRows('Things', { limit: 1000 }))).items).toEqual([]);
    });

    it('keeps table definitions inside the database, across reopen', async () => {
      await on((db) => db.createTable({ name: 'Alpha', columns: [{ name: 'x', type: 'text' }] }));
      plane.evict('env_1');
      const tables = await on((db) => db.listTables());
      expect(tables.map((t) => t.name)).toEqual(['Alpha', 'Things']);
      expect(await on((db) => db.getTable('Things'))).toEqual(everyTypeTable);
      expect(await on((db) => db.getTable('things'))).toEqual(everyTypeTable);
      expect(await on((db) => db.getTable('Nope'))).toBeUndefined();
    });

    it('uses the stable error codes: CONFLICT, NOT_FOUND, VALIDATION_FAILED', async () => {
      await on((db) => {
        expect(code(() => db.createTable(everyTypeTable))).toBe('CONFLICT');
        expect(code(() => db.createTable({ ...everyTypeTable, name: 'THINGS' }))).toBe('CONFLICT');
        expect(code(() => db.createTable({ name: 'sqlite_x', columns: [{ name: 'a', type: 'text' }] }))).toBe('VALIDATION_FAILED');
        expect(code(() => db.createTable({ name: 'bad name"', columns: [{ name: 'a', type: 'text' }] }))).toBe('VALIDATION_FAILED');
        expect(code(() => db.getRow('Nope', 'x'))).toBe('NOT_FOUND');
        expect(code(() => db.insertRow('Nope', 'x', {}))).toBe('NOT_FOUND');
        expect(code(() => db.listRows('Nope', { limit: 1 }))).toBe('NOT_FOUND');
        db.insertRow('Things', 'dup', {});
        expect(code(() => db.insertRow('Things', 'dup', {}))).toBe('CONFLICT');
      });
      await expect(plane.create('env_1', dek)).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(plane.use('env_nope', loader.load, () => 1)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      for (const id of ['../env_1', 'a/b', '', '.hidden', 'x'.repeat(200)]) {
        await expect(plane.use(id, loader.load, () => 1)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      }
    });

    it('destroy leaves no file and no data; the id can be created afresh', async () => {
      await on((db) => db.insertRow('Things', 'row_a', full));
      expect(plane.files('env_1').length).toBeGreaterThan(0);
      await plane.destroy('env_1');
      expect(plane.files('env_1')).toEqual([]);
      await expect(on((db) => db.listTables())).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await plane.create('env_1', dek);
      expect(await on((db) => db.listTables())).toEqual([]);
    });
  });
}
