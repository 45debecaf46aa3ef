import { expect, it, vi } from 'vitest';
import { KeywardError } from '../../src/domain/errors.js';
import { backoffMs } from '../../src/jobs/operation-execution.js';
import { OperationRunner, type OperationHandler } from '../../src/jobs/operation-runner.js';
import type { OperationType } from '../../src/domain/operation.js';
import { claimOp, describeOnPostgres, describeOnSqlite, FakeClock, queue, type StoreTarget } from '../contracts/operation-store-fixtures.js';

/** Waiting for async work (driver round trips, renewal timers) under a loaded machine, not for a time rule. */
const SETTLE = { timeout: 10_000, interval: 5 };

/**
 * What the runner does with each outcome of a handler, on real stores. Time rules (backoff,
 * leases) are driven by a fake lease clock; the finish clock is a different fake clock, far
 * ahead like a dev clock, to show which one each time comes from.
 */
function runnerBehaviour(target: StoreTarget): void {
  const setup = async (handlers: Partial<Record<OperationType, OperationHandler>>) => {
    const [s] = await target.stores(1);
    const leaseClock = new FakeClock();
    const finishClock = new FakeClock('2031-07-01T00:00:00.000Z');
    const events: Record<string, unknown>[] = [];
    const runner = new OperationRunner({
      store: s!,
      handlers,
      leaseClock,
      finishClock,
      owner: 'runner-a',
      log: (event) => events.push(event as Record<string, unknown>),
    });
    return { store: s!, runner, leaseClock, finishClock, events };
  };

  it('runs a handler to success, its progress visible while it runs, finishedAt from the app clock', async () => {
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { store, runner, finishClock } = await setup({
      'activate-key': async (ctx) => {
        await ctx.reportProgress(1, 3);
        await gate;
        await ctx.reportProgress(2, 3);
      },
    });
    const [op] = await queue(store, 1);
    const finishedAt = new Date('2031-07-01T00:00:00.000Z');
    const running = runner.runUntilIdle();
    await vi.waitFor(async () => expect((await store.operations.get(op!.id))?.progress).toEqual({ done: 1, total: 3 }), SETTLE);
    expect((await store.operations.get(op!.id))?.status).toBe('running');
    release();
    await running;
    expect(await store.operations.get(op!.id)).toEqual({ ...op, status: 'succeeded', progress: { done: 3, total: 3 }, finishedAt });
    expect(finishClock.reads).toBe(1);
  });

  it('fails the operation with the code and detail of a KeywardError', async () => {
    const { store, runner, events } = await setup({
      'activate-key': () => Promise.reject(new KeywardError('KEY_MISMATCH', 'Upload the active key of the region.')),
    });
    const [op] = await queue(store, 1);
    await runner.runUntilIdle();
    const stored = await store.operations.get(op!.id);
    expect(stored?.status).toBe('failed');
    expect(stored?.error).toEqual({ code: 'KEY_MISMATCH', detail: 'Upload the active key of the region.' });
    expect(events).toContainEqual(expect.objectContaining({ event: 'operation.failed', operationId: op!.id, code: 'KEY_MISMATCH' }));
  });

  it('retries any other failure after a doubling backoff, on the lease clock, until it succeeds', async () => {
    let calls = 0;
    const { store, runner, leaseClock, events } = await setup({
      'activate-key': () => (++calls <= 2 ? Promise.reject(new Error('vault unreachable')) : Promise.resolve()),
    });
    const [op] = await queue(store, 1);
    const step = async (ms: number, expectedCalls: number) => {
      leaseClock.advance(ms);
      await runner.runUntilIdle();
      expect(calls).toBe(expectedCalls);
    };
    await step(0, 1);
    expect(await store.operations.get(op!.id)).toEqual(op);
    await step(1_999, 1);
    await step(1, 2);
    await step(3_999, 2);
    await step(1, 3);
    expect((await store.operations.get(op!.id))?.status).toBe('succeeded');
    const retries = events.filter((e) => e.event === 'operation.retry-later');
    expect(retries).toEqual([
      expect.objectContaining({ attempt: 1, notBefore: '2024-06-01T12:00:02.000Z', message: 'vault unreachable' }),
      expect.objectContaining({ attempt: 2, notBefore: '2024-06-01T12:00:06.000Z', message: 'vault unreachable' }),
    ]);
  });

  it('fails with INTERNAL and a generic detail after 10 failed attempts, the cause only in the log', async () => {
    let calls = 0;
    const secret = 'unwrap failed for token kw-secret-0123';
    const { store, runner, leaseClock, events } = await setup({
      'activate-key': () => {
        calls += 1;
        return Promise.reject(new Error(secret));
      },
    });
    const [op] = await queue(store, 1);
    for (let i = 0; i < 12; i += 1) {
      await runner.runUntilIdle();
      leaseClock.advance(60_000);
    }
    expect(calls).toBe(10);
    const stored = await store.operations.get(op!.id);
    expect(stored).toMatchObject({ status: 'failed', error: { code: 'INTERNAL' } });
    expect(stored?.error?.detail).not.toContain('kw-secret');
    expect(events).toContainEqual(expect.objectContaining({ event: 'operation.given-up', attempt: 10, message: secret }));
    expect(events.filter((e) => e.event === 'operation.retry-later')).toHaveLength(9);
  });

  it('fails without running it an operation claimed too often without an outcome (each run crashed the process)', async () => {
    let calls = 0;
    const { store, runner, leaseClock } = await setup({ 'activate-key': () => Promise.resolve(void (calls += 1)) });
    const [op] = await queue(store, 1);
    for (let i = 0; i < 10; i += 1) {
      const now = leaseClock.now();
      // A claim whose runner died before recording anything.
      expect(await claimOp(store.operations, `dead#${i}`, now, new Date(now.getTime() + 1))).toBeDefined();
      leaseClock.advance(2);
    }
    await runner.runUntilIdle();
    expect(calls).toBe(0);
    expect((await store.operations.get(op!.id))?.error?.code).toBe('INTERNAL');
  });

  it('leaves operations of types it has no handler for untouched, for an instance that has one', async () => {
    const { store, runner } = await setup({ 'activate-key': () => Promise.resolve() });
    const [reset] = await queue(store, 1, { type: 'reset' });
    const [activate] = await queue(store, 1);
    await runner.runUntilIdle();
    expect(await store.operations.get(reset!.id)).toEqual(reset);
    expect((await store.operations.get(activate!.id))?.status).toBe('succeeded');
    const now = new Date('2024-06-01T12:00:00.000Z');
    expect(await store.operations.claim('other#1', now, now)).toEqual({ op: reset, attempts: 1 });
  });

  it('once started, runs what is queued when kicked, and stop() waits for the handler in flight', async () => {
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    const { store, runner } = await setup({
      'activate-key': async () => {
        started += 1;
        await gate;
      },
    });
    runner.start();
    const [op] = await queue(store, 1);
    runner.kick();
    await vi.waitFor(() => expect(started).toBe(1), SETTLE);
    let stopped = false;
    const stopping = runner.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect((await store.operations.get(op!.id))?.status).toBe('succeeded');
  });

  it('finds work queued by another instance at its next poll, without a kick', async () => {
    const [store] = await target.stores(1);
    const runner = new OperationRunner({
      store: store!,
      handlers: { reset: () => Promise.resolve() },
      leaseClock: new FakeClock(),
      finishClock: new FakeClock(),
      owner: 'poller',
      pollMs: 10,
    });
    runner.start();
    try {
      const [op] = await queue(store!, 1, { type: 'reset' });
      await vi.waitFor(async () => expect((await store!.operations.get(op!.id))?.status).toBe('succeeded'), SETTLE);
    } finally {
      await runner.stop();
    }
  });
}

it('backs off 2 s, 4 s, 8 s … per attempt, never more than a minute', () => {
  expect([1, 2, 3, 5, 6, 10, 1000].map(backoffMs)).toEqual([2_000, 4_000, 8_000, 32_000, 60_000, 60_000, 60_000]);
});

describeOnSqlite('Operation runner on embedded SQLite', runnerBehaviour);
await describeOnPostgres('Operation runner on PostgreSQL', runnerBehaviour);
