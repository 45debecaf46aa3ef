import { expect, it, vi } from 'vitest';
import { OperationRunner, type OperationContext, type OperationHandler } from '../../src/jobs/operation-runner.js';
import type { Store } from '../../src/ports/store.js';
import { anOperation, describeOnPostgres, describeOnSqlite, FakeClock, queue, type StoreTarget } from '../contracts/operation-store-fixtures.js';
import { aTenant, anEnvironment } from '../contracts/store-fixtures.js';

const LEASE = 30_000;
/** Waiting for async work (driver round trips, renewal timers) under a loaded machine, not for a time rule. */
const SETTLE = { timeout: 10_000, interval: 5 };

/** Lets other async work (timers, driver callbacks) take a turn; never stands in for a time rule. */
const turn = (ms = 5): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface RunnerParts {
  store: Store;
  owner: string;
  leaseClock: FakeClock;
  handler: OperationHandler;
  leaseMs?: number;
  concurrency?: number;
  events?: Record<string, unknown>[];
}

const runnerOf = (p: RunnerParts): OperationRunner =>
  new OperationRunner({
    store: p.store,
    handlers: { 'apply-tenant-key': p.handler },
    leaseClock: p.leaseClock,
    finishClock: new FakeClock('2030-01-01T00:00:00.000Z'),
    owner: p.owner,
    leaseMs: p.leaseMs ?? LEASE,
    concurrency: p.concurrency ?? 1,
    ...(p.events ? { log: (event: object) => p.events!.push(event as Record<string, unknown>) } : {}),
  });

/** Crashes, takeovers and races between runners on several store instances of one database. */
function takeoverBehaviour(target: StoreTarget): void {
  it('lets another runner take over when the holder dies; the idempotent step makes the rerun harmless', async () => {
    const [store, other] = await target.stores(2);
    const tenant = aTenant();
    await store!.tenants.insert(tenant);
    const env = anEnvironment(tenant.id, { wrappedDek: 'kw1:provider:old' });
    await store!.environments.insert(env);
    const op = anOperation(tenant.id, {
      type: 'apply-tenant-key',
      input: { environmentId: env.id, keyId: 'key_1', region: 'europe', actor: 'operator' },
    });
    await store!.operations.insert(op);

    const swaps: boolean[] = [];
    let wake = (): void => undefined;
    const frozen = new Promise<void>((resolve) => (wake = resolve));
    let holderCtx: OperationContext | undefined;
    // The step compares-and-sets the DEK, so running it twice changes nothing the second time.
    const rewrap =
      (s: Store, dies: boolean): OperationHandler =>
      async (ctx) => {
        swaps.push(await s.environments.swapProtection(env.id, 'kw1:provider:old', { wrappedDek: 'kw1:tenant:new', mode: 'tenant', keyId: 'key_1' }));
        await ctx.reportProgress(1, 2);
        if (dies) {
          holderCtx = ctx;
          await frozen; // the process hangs here (or is gone); it never renews in time
        }
        await ctx.reportProgress(2, 2);
      };

    const clock = new FakeClock();
    const events: Record<string, unknown>[] = [];
    const holder = runnerOf({ store: store!, owner: 'a', leaseClock: clock, handler: rewrap(store!, true), events });
    holder.start();
    holder.kick();
    await vi.waitFor(async () => expect((await other!.operations.get(op.id))?.progress).toEqual({ done: 1, total: 2 }), SETTLE);

    clock.advance(LEASE - 1);
    const successor = runnerOf({ store: other!, owner: 'b', leaseClock: clock, handler: rewrap(other!, false) });
    await successor.runUntilIdle();
    expect(swaps).toEqual([true]);
    clock.advance(2);
    await successor.runUntilIdle();
    const finished = await store!.operations.get(op.id);
    expect(finished).toEqual({ ...op, status: 'succeeded', progress: { done: 2, total: 2 }, finishedAt: new Date('2030-01-01T00:00:00.000Z') });
    expect(swaps).toEqual([true, false]);
    expect((await store!.environments.get(env.id))?.wrappedDek).toBe('kw1:tenant:new');

    // The old holder wakes up: its writes are refused and it learns it lost the lease.
    wake();
    await holder.stop();
    expect(holderCtx?.lost).toBe(true);
    expect(await store!.operations.get(op.id)).toEqual(finished);
    expect(events).toContainEqual(expect.objectContaining({ event: 'operation.abandoned', operationId: op.id }));
  });

  it('keeps the lease by renewing it, and notices at the next renewal once another runner took it', async () => {
    const [store, other] = await target.stores(2);
    const [op] = await queue(store!, 1, { type: 'apply-tenant-key' });
    const holderClock = new FakeClock();
    let holderCtx: OperationContext | undefined;
    const events: Record<string, unknown>[] = [];
    const holder = runnerOf({
      store: store!,
      owner: 'a',
      leaseClock: holderClock,
      // Renewal every 20 ms of real time: renewal timers are the one thing here that is not faked.
      leaseMs: 60,
      events,
      handler: async (ctx) => {
        holderCtx = ctx;
        while (!ctx.lost) await turn();
      },
    });
    holder.start();
    holder.kick();
    await vi.waitFor(() => expect(holderCtx).toBeDefined(), SETTLE);

    // Ten minutes pass for everyone; the holder's renewals move its lease along.
    const otherClock = new FakeClock();
    holderClock.advance(600_000);
    otherClock.advance(600_000);
    const readsAtAdvance = holderClock.reads;
    await vi.waitFor(() => expect(holderClock.reads).toBeGreaterThanOrEqual(readsAtAdvance + 2), SETTLE);
    let handled = 0;
    const successor = runnerOf({ store: other!, owner: 'b', leaseClock: otherClock, handler: () => Promise.resolve(void (handled += 1)) });
    await successor.runUntilIdle();
    expect(handled).toBe(0);
    expect(holderCtx!.lost).toBe(false);

    // The holder's clock stalls (a paused VM): its lease runs out on everyone else's clock.
    otherClock.advance(60_000);
    // A claim skips a row that another instance is writing at that very moment (SKIP LOCKED),
    // here the holder's renewal; a real runner simply finds it at its next poll.
    await vi.waitFor(async () => {
      await successor.runUntilIdle();
      expect(handled).toBe(1);
    }, SETTLE);
    await vi.waitFor(() => expect(holderCtx!.lost).toBe(true), SETTLE);
    await holder.stop();
    expect(events).toContainEqual(expect.objectContaining({ event: 'operation.lease-lost', reason: 'taken over' }));
    expect((await store!.operations.get(op!.id))?.status).toBe('succeeded');
  });

  it('runs each of 200 operations exactly once with 4 runners on 2 store instances', async () => {
    const stores = await target.stores(2);
    const ops = await queue(stores[0]!, 200, { type: 'apply-tenant-key' });
    const runs = new Map<string, number>();
    const handler: OperationHandler = async (ctx) => {
      runs.set(ctx.op.id, (runs.get(ctx.op.id) ?? 0) + 1);
      await ctx.reportProgress(0, 1);
      await turn(0);
    };
    const clock = new FakeClock();
    const runners = [0, 1, 2, 3].map((n) => runnerOf({ store: stores[n % 2]!, owner: `r${n}`, leaseClock: clock, handler, concurrency: 2 }));
    await Promise.all(runners.map((r) => r.runUntilIdle()));
    expect(runs.size).toBe(200);
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
    const stored = await Promise.all(ops.map((op) => stores[1]!.operations.get(op.id)));
    expect(stored.every((op) => op?.status === 'succeeded' && op.progress.done === 1)).toBe(true);
    expect(await stores[1]!.operations.listRunning(ops[0]!.tenantId)).toEqual([]);
  });
}

describeOnSqlite('Operation runner takeover on embedded SQLite', takeoverBehaviour);
await describeOnPostgres('Operation runner takeover on PostgreSQL', takeoverBehaviour);
