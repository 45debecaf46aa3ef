import { describe, expect, it } from 'vitest';
import { EngineDekCache } from './engine-dek-cache.js';

const dek = (fill: number) => Buffer.alloc(32, fill);

describe('engine DEK cache', () => {
  it('unwraps once per wrapping, hands out copies, and unwraps again when the wrapping changes', async () => {
    const cache = new EngineDekCache();
    let unwraps = 0;
    const unwrap = (fill: number) => () => (unwraps++, Promise.resolve(dek(fill)));
    const [a, b] = await Promise.all([cache.get('env_1', 'kw1:a', unwrap(1)), cache.get('env_1', 'kw1:a', unwrap(1))]);
    expect(unwraps).toBe(1);
    a.fill(0); // a caller zeroes its copy; the cache's bytes are untouched
    expect(b).toEqual(dek(1));
    expect(await cache.get('env_1', 'kw1:a', unwrap(1))).toEqual(dek(1));
    expect(unwraps).toBe(1);
    expect(await cache.get('env_1', 'kw1:rewrapped', unwrap(1))).toEqual(dek(1));
    expect(unwraps).toBe(2);
    expect(cache.ids()).toEqual(['env_1']);
  });

  it('drops zero the bytes, and an unwrap in flight at a drop fails rather than fill the cache again', async () => {
    const cache = new EngineDekCache();
    const held = dek(7);
    await cache.get('env_1', 'kw1:a', () => Promise.resolve(held));
    cache.drop('env_1');
    expect(held.every((b) => b === 0)).toBe(true);
    expect(cache.ids()).toEqual([]);

    let finish!: (b: Buffer) => void;
    const late = dek(9);
    const pending = cache.get('env_2', 'kw1:b', () => new Promise<Buffer>((resolve) => (finish = resolve)));
    cache.drop('env_2');
    finish(late);
    await expect(pending).rejects.toThrow(/dropped/);
    expect(late.every((b) => b === 0)).toBe(true);
    expect(cache.ids()).toEqual([]);
  });

  it('keeps nothing of an unwrap that failed', async () => {
    const cache = new EngineDekCache();
    await expect(cache.get('env_1', 'kw1:a', () => Promise.reject(new Error('vault down')))).rejects.toThrow('vault down');
    expect(cache.ids()).toEqual([]);
    expect(await cache.get('env_1', 'kw1:a', () => Promise.resolve(dek(3)))).toEqual(dek(3));
  });
});
