import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LruCache } from '../../src/adapters/dataplane/handle-cache.js';

describe('LruCache', () => {
  it('pushes out the least recently used entry and disposes of it', () => {
    const disposed: string[] = [];
    const cache = new LruCache<string, number>(2, (_v, k) => disposed.push(k));
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // a is now the most recent
    cache.set('c', 3);
    expect(disposed).toEqual(['b']);
    expect([...cache.keys()]).toEqual(['a', 'c']);
    expect(cache.delete('a')).toBe(true);
    expect(cache.delete('a')).toBe(false);
    cache.set('c', 4); // replacing disposes of the old value
    cache.clear();
    expect(disposed).toEqual(['b', 'a', 'c', 'c']);
    expect(cache.size).toBe(0);
  });

  it('refuses a capacity below 1', () => {
    expect(() => new LruCache(0, () => undefined)).toThrow(RangeError);
  });

  it('never holds more than its capacity, and disposes of exactly what it no longer holds', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 12 }) }),
      fc.record({ kind: fc.constant('get' as const), key: fc.integer({ min: 0, max: 12 }) }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 12 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(op, { maxLength: 80 }), (capacity, ops) => {
        const live = new Set<object>();
        const cache = new LruCache<number, object>(capacity, (v) => {
          expect(live.delete(v)).toBe(true); // disposed exactly once
        });
        for (const o of ops) {
          if (o.kind === 'set') {
            const v = {};
            live.add(v);
            cache.set(o.key, v);
          } else if (o.kind === 'get') cache.get(o.key);
          else cache.delete(o.key);
          expect(cache.size).toBeLessThanOrEqual(capacity);
          expect(live.size).toBe(cache.size);
        }
      }),
    );
  });
});
