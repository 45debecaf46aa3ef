import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/ports/store.js';
import type { StoreContractTarget } from './store.contract.js';
import { newId } from './store-fixtures.js';

/** Throttle counters: made on first lock, kept across stores (instances), and counted without lost updates. */
export function throttleStoreContract(target: StoreContractTarget): void {
  let store: Store;
  let other: Store;
  beforeAll(async () => {
    store = await target.open();
    other = await target.open();
  });
  afterAll(async () => {
    await store?.close();
    await other?.close();
  });

  describe('throttle counters', () => {
    it('a key never counted reads as a fresh counter; what is put is what the next lock reads, on any instance', async () => {
      const key = `t:${newId()}`;
      const fresh = await store.transaction((tx) => tx.throttle.lock(key, 'ten_1'));
      expect(fresh).toMatchObject({ key, scope: 'ten_1', count: 0, until: null, note: null });
      const until = new Date('2026-03-01T00:00:10.000Z');
      await store.transaction(async (tx) => {
        const c = await tx.throttle.lock(key, 'ten_1');
        await tx.throttle.put({
          ...c,
          count: 3,
          since: new Date('2026-03-01T00:00:00.000Z'),
          lastAt: new Date('2026-03-01T00:00:05.000Z'),
          until,
          note: 'region:eu',
        });
      });
      expect(await other.transaction((tx) => tx.throttle.lock(key, 'ten_1'))).toEqual({
        key,
        scope: 'ten_1',
        count: 3,
        since: new Date('2026-03-01T00:00:00.000Z'),
        lastAt: new Date('2026-03-01T00:00:05.000Z'),
        until,
        note: 'region:eu',
      });
      await store.transaction((tx) => tx.throttle.remove(key));
      expect((await store.transaction((tx) => tx.throttle.lock(key, 'ten_1'))).count).toBe(0);
    });

    it('a change that rolls back is not kept', async () => {
      const key = `t:${newId()}`;
      await expect(
        store.transaction(async (tx) => {
          const c = await tx.throttle.lock(key, 'ten_1');
          await tx.throttle.put({ ...c, count: 9 });
          throw new Error('refused');
        }),
      ).rejects.toThrow('refused');
      expect((await store.transaction((tx) => tx.throttle.lock(key, 'ten_1'))).count).toBe(0);
    });

    it('transactions counting one key at once lose no count', async () => {
      // On PostgreSQL these run on separate pooled connections at once; on SQLite they queue on
      // its one writer (two SQLite stores in one process would block each other's thread).
      const key = `t:${newId()}`;
      const bump = () =>
        store.transaction(async (tx) => {
          const c = await tx.throttle.lock(key, 'ten_race');
          await new Promise((r) => setImmediate(r));
          await tx.throttle.put({ ...c, count: c.count + 1 });
        });
      await Promise.all(Array.from({ length: 20 }, bump));
      expect((await store.transaction((tx) => tx.throttle.lock(key, 'ten_race'))).count).toBe(20);
    });

    it('lists the counters of a scope whose window has ended and that still hold a count', async () => {
      const scope = `ten_${newId()}`;
      const at = new Date('2026-03-01T00:01:00.000Z');
      const put = (name: string, count: number, until: Date | null) =>
        store.transaction(async (tx) => tx.throttle.put({ ...(await tx.throttle.lock(`${scope}:${name}`, scope)), count, until }));
      await put('due', 2, new Date('2026-03-01T00:00:59.000Z'));
      await put('exactly', 1, at);
      await put('later', 5, new Date('2026-03-01T00:01:01.000Z'));
      await put('empty', 0, new Date('2026-03-01T00:00:00.000Z'));
      await put('open', 4, null);
      await store.transaction(async (tx) => tx.throttle.put({ ...(await tx.throttle.lock(`other:${scope}`, 'ten_other')), count: 1, until: at }));
      const due = await store.transaction((tx) => tx.throttle.listDue(scope, at, 10));
      expect(due.map((c) => c.key)).toEqual([`${scope}:due`, `${scope}:exactly`]);
    });
  });
}
