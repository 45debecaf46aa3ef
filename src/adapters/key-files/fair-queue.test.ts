import { describe, expect, it } from 'vitest';
import { isKeywardError } from '../../domain/errors.js';
import { FairQueue } from './fair-queue.js';

const now = new Date('2026-01-01T00:00:00Z');

/** Jobs that finish when the test says so, recording the order they started in. */
function harness(concurrency: number, perTenant = 10, total = 100) {
  const started: string[] = [];
  const finishers: Array<() => void> = [];
  const queue = new FairQueue({ concurrency, maxPendingPerTenant: perTenant, maxPending: total, now: () => now, initialJobMs: 2_000 });
  const submit = (tenant: string, label: string) =>
    queue.submit(tenant, () => {
      started.push(label);
      return new Promise<string>((resolve) => finishers.push(() => resolve(label)));
    });
  const finishOldest = async () => {
    finishers.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  return { queue, started, submit, finishOldest };
}

describe('FairQueue', () => {
  it('serves tenants in turn, however many jobs one of them queued', async () => {
    const h = harness(1);
    const all = [...['a1', 'a2', 'a3', 'a4'].map((j) => h.submit('a', j)), h.submit('b', 'b1'), h.submit('c', 'c1'), h.submit('b', 'b2')];
    for (let i = 0; i < 7; i++) await h.finishOldest();
    await Promise.all(all);
    expect(h.started).toEqual(['a1', 'a2', 'b1', 'c1', 'a3', 'b2', 'a4']);
  });

  it('runs as many jobs at once as it has workers', async () => {
    const h = harness(2);
    void h.submit('a', 'a1');
    void h.submit('a', 'a2');
    void h.submit('a', 'a3');
    expect(h.started).toEqual(['a1', 'a2']);
    await h.finishOldest();
    expect(h.started).toEqual(['a1', 'a2', 'a3']);
  });

  it("refuses a tenant's job beyond its bound with RATE_LIMITED and a retryAfter, others still queue", async () => {
    const h = harness(1, 2);
    void h.submit('a', 'a1');
    void h.submit('a', 'a2');
    const error = await h.submit('a', 'a3').catch((e: unknown) => e);
    expect(isKeywardError(error) && error.code).toBe('RATE_LIMITED');
    expect(isKeywardError(error) && error.retryAfter!.getTime()).toBe(now.getTime() + 4_000);
    void h.submit('b', 'b1');
    expect(h.queue.pendingOf('b')).toBe(1);
    await h.finishOldest();
    void h.submit('a', 'a4');
    expect(h.queue.pendingOf('a')).toBe(2);
  });

  it('bounds all tenants together too', async () => {
    const h = harness(1, 10, 3);
    void h.submit('a', 'a1');
    void h.submit('b', 'b1');
    void h.submit('c', 'c1');
    const error = await h.submit('d', 'd1').catch((e: unknown) => e);
    expect(isKeywardError(error) && error.code).toBe('RATE_LIMITED');
  });

  it('refuses a job that would wait longer than it may', async () => {
    const queue = new FairQueue({ concurrency: 1, maxPendingPerTenant: 10, maxPending: 10, now: () => now, initialJobMs: 2_000, maxWaitMs: 5_000 });
    const never = () => new Promise<never>(() => undefined);
    void queue.submit('a', never);
    void queue.submit('b', never);
    void queue.submit('c', never); // expected to wait 4 s: b, then itself
    const error = await queue.submit('d', never).catch((e: unknown) => e);
    expect(isKeywardError(error) && [error.code, error.retryAfter!.getTime() - now.getTime()]).toEqual(['RATE_LIMITED', 6_000]);
  });

  it('a job that throws frees its place', async () => {
    const queue = new FairQueue({ concurrency: 1, maxPendingPerTenant: 1, maxPending: 10, now: () => now });
    await expect(queue.submit('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(queue.submit('a', () => Promise.resolve(7))).resolves.toBe(7);
    expect(queue.size).toBe(0);
  });
});
