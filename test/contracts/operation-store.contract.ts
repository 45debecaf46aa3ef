import { expect, it } from 'vitest';
import type { Operation } from '../../src/domain/operation.js';
import { anOperation, claimOp, queue, type StoreTarget } from './operation-store-fixtures.js';
import { aTenant, codeOf, newId } from './store-fixtures.js';

const at = (iso: string): Date => new Date(iso);
const T0 = at('2024-06-01T12:00:00.000Z');
const plus = (time: Date, ms: number): Date => new Date(time.getTime() + ms);
const LEASE = 30_000;

/**
 * The contract of OperationRepo, run on SQLite and PostgreSQL. Lease writes are fenced by the
 * owner token in the database itself; these tests play the runners' parts by hand, with
 * explicit times, so every lease rule is checked without waiting for one.
 */
export function operationStoreContract(target: StoreTarget): void {
  it('round-trips every field and refuses a second insert with the same id', async () => {
    const [store, other] = await target.stores(2);
    const tenant = aTenant();
    await store!.tenants.insert(tenant);
    const running = anOperation(tenant.id);
    const failed = anOperation(tenant.id, {
      type: 'lock-tenant',
      status: 'failed',
      progress: { done: 2, total: 7 },
      error: { code: 'KEY_MISMATCH', detail: 'Upload the active key — « clé » 🔑' },
      input: { region: 'europe', keyId: 'key_1', actor: 'operator' },
      finishedAt: at('2024-06-01T13:00:00.123Z'),
    });
    await store!.operations.insert(running);
    await store!.operations.insert(failed);
    expect(await other!.operations.get(running.id)).toEqual(running);
    expect(await other!.operations.get(failed.id)).toEqual(failed);
    expect(await store!.operations.get(newId())).toBeUndefined();
    expect(await codeOf(other!.operations.insert({ ...running, type: 'lock-tenant' } as Operation))).toBe('CONFLICT');
    await expect(store!.operations.insert(anOperation(newId()))).rejects.toThrow();
  });

  it("lists a tenant's running operations oldest first, finished ones and other tenants' left out", async () => {
    const [store] = await target.stores(1);
    const [late, early] = [at('2024-06-01T11:00:00.002Z'), at('2024-06-01T11:00:00.001Z')];
    const ops = await queue(store!, 1, { createdAt: late });
    const tenantId = ops[0]!.tenantId;
    const older = anOperation(tenantId, { createdAt: early, type: 'restore' });
    await store!.operations.insert(older);
    await store!.operations.insert(anOperation(tenantId, { status: 'succeeded', finishedAt: late }));
    await queue(store!, 2);
    expect(await store!.operations.listRunning(tenantId)).toEqual([older, ops[0]]);
    expect(await store!.operations.listRunning(newId())).toEqual([]);
  });

  it('claims oldest first, holds a claim until its lease ends, then lets another take it over', async () => {
    const [store, other] = await target.stores(2);
    const [first, second] = await queue(store!, 2);
    expect(await claimOp(store!.operations, 'a#1', T0, plus(T0, LEASE))).toEqual(first);
    expect(await claimOp(other!.operations, 'b#1', T0, plus(T0, LEASE))).toEqual(second);
    expect(await claimOp(other!.operations, 'b#2', plus(T0, LEASE), plus(T0, 2 * LEASE))).toBeUndefined();

    // The first lease is renewed, the second is not: only the second can be taken over.
    expect(await store!.operations.renewLease(first!.id, 'a#1', plus(T0, 3 * LEASE))).toBe(true);
    const later = plus(T0, LEASE + 1);
    const taken = await store!.operations.claim('c#1', later, plus(later, LEASE));
    expect(taken).toEqual({ op: second, attempts: 2 });
    expect(await other!.operations.claim('c#2', later, plus(later, LEASE))).toBeUndefined();
    expect(await other!.operations.renewLease(second!.id, 'b#1', plus(later, LEASE))).toBe(false);
  });

  it('claims only the types asked for, and nothing for an empty list', async () => {
    const [store] = await target.stores(1);
    const [activate] = await queue(store!, 1);
    const [reset] = await queue(store!, 1, { type: 'reset' });
    expect(await store!.operations.claim('a#1', T0, plus(T0, LEASE), [])).toBeUndefined();
    expect((await store!.operations.claim('a#2', T0, plus(T0, LEASE), ['reset', 'copy']))?.op).toEqual(reset);
    expect(await store!.operations.claim('a#3', T0, plus(T0, LEASE), ['reset'])).toBeUndefined();
    expect((await store!.operations.claim('a#4', T0, plus(T0, LEASE)))?.op).toEqual(activate);
  });

  it('keeps a released operation unclaimable until notBefore, and counts every claim', async () => {
    const [store] = await target.stores(1);
    const [op] = await queue(store!, 1);
    expect((await store!.operations.claim('a#1', T0, plus(T0, LEASE)))?.attempts).toBe(1);
    const retryAt = plus(T0, 4_000);
    await store!.operations.release(op!.id, 'someone-else', plus(T0, 3_600_000));
    await store!.operations.release(op!.id, 'a#1', retryAt);
    expect(await store!.operations.claim('a#2', plus(retryAt, -1), plus(T0, LEASE))).toBeUndefined();
    expect(await store!.operations.claim('a#3', retryAt, plus(retryAt, LEASE))).toEqual({ op, attempts: 2 });
    expect(await store!.operations.get(op!.id)).toEqual(op);
  });

  it('starts the claim count over when a run moves the progress forward', async () => {
    const [store] = await target.stores(1);
    const [op] = await queue(store!, 1);
    let now = T0;
    const claimAgain = async (owner: string) => {
      now = plus(now, LEASE + 1); // the previous holder "crashed": its lease ran out
      return (await store!.operations.claim(owner, now, plus(now, LEASE)))?.attempts;
    };
    expect(await claimAgain('r#1')).toBe(1);
    expect(await claimAgain('r#2')).toBe(2);
    expect(await store!.operations.reportProgress(op!.id, 'r#2', 5, 100)).toBe(true);
    expect(await claimAgain('r#3')).toBe(2);
    // The same progress again is no progress: the count keeps growing.
    expect(await store!.operations.reportProgress(op!.id, 'r#3', 5, 100)).toBe(true);
    expect(await claimAgain('r#4')).toBe(3);
  });

  it('lets only the lease holder report progress and finish; success completes the progress', async () => {
    const [store, other] = await target.stores(2);
    const [op] = await queue(store!, 1);
    await claimOp(store!.operations, 'a#1', T0, plus(T0, LEASE));
    expect(await store!.operations.reportProgress(op!.id, 'a#1', 3, 10)).toBe(true);
    expect(await other!.operations.reportProgress(op!.id, 'b#1', 9, 10)).toBe(false);
    expect((await other!.operations.get(op!.id))?.progress).toEqual({ done: 3, total: 10 });

    const finishedAt = at('2025-01-01T00:00:00.000Z');
    const outcome = { status: 'succeeded', error: null, finishedAt } as const;
    expect(await other!.operations.finish(op!.id, 'b#1', outcome)).toBe(false);
    expect(await store!.operations.finish(op!.id, 'a#1', outcome)).toBe(true);
    const done: Operation = { ...op!, status: 'succeeded', progress: { done: 10, total: 10 }, finishedAt };
    expect(await other!.operations.get(op!.id)).toEqual(done);

    // Finished is final: not claimable, not running, and its old holder can change nothing.
    expect(await claimOp(store!.operations, 'a#2', plus(T0, 10 * LEASE), plus(T0, 11 * LEASE))).toBeUndefined();
    expect(await store!.operations.listRunning(op!.tenantId)).toEqual([]);
    expect(await store!.operations.finish(op!.id, 'a#1', { status: 'failed', error: { code: 'INTERNAL', detail: 'x' }, finishedAt })).toBe(false);
    expect(await store!.operations.reportProgress(op!.id, 'a#1', 1, 10)).toBe(false);
    expect(await store!.operations.renewLease(op!.id, 'a#1', plus(T0, 20 * LEASE))).toBe(false);
    expect(await other!.operations.get(op!.id)).toEqual(done);
  });

  it('refuses every write of a holder whose lease was taken over, leaving the row as the new holder left it', async () => {
    const [store, other] = await target.stores(2);
    const [op] = await queue(store!, 1);
    await claimOp(store!.operations, 'a#1', T0, plus(T0, LEASE));
    await store!.operations.reportProgress(op!.id, 'a#1', 1, 4);
    const later = plus(T0, LEASE + 1);
    expect(await claimOp(other!.operations, 'b#1', later, plus(later, LEASE))).toEqual({ ...op, progress: { done: 1, total: 4 } });
    await other!.operations.reportProgress(op!.id, 'b#1', 2, 4);

    expect(await store!.operations.renewLease(op!.id, 'a#1', plus(later, 5 * LEASE))).toBe(false);
    expect(await store!.operations.reportProgress(op!.id, 'a#1', 4, 4)).toBe(false);
    const failed = { status: 'failed', error: { code: 'INTERNAL', detail: 'stale' }, finishedAt: later } as const;
    expect(await store!.operations.finish(op!.id, 'a#1', failed)).toBe(false);
    await store!.operations.release(op!.id, 'a#1', plus(later, 5 * LEASE));
    expect(await store!.operations.get(op!.id)).toEqual({ ...op, progress: { done: 2, total: 4 } });

    // The new holder still holds it (the stale release did nothing) and records the outcome.
    expect(await claimOp(store!.operations, 'c#1', plus(later, 1), plus(later, LEASE))).toBeUndefined();
    const error = { code: 'KEY_MISMATCH', detail: 'Not the active key.' } as const;
    expect(await other!.operations.finish(op!.id, 'b#1', { status: 'failed', error, finishedAt: later })).toBe(true);
    expect(await store!.operations.get(op!.id)).toEqual({ ...op, status: 'failed', progress: { done: 2, total: 4 }, error, finishedAt: later });
  });

  it('refuses impossible progress and outcomes before they reach the row', async () => {
    const [store] = await target.stores(1);
    const [op] = await queue(store!, 1);
    await claimOp(store!.operations, 'a#1', T0, plus(T0, LEASE));
    for (const [done, total] of [
      [5, 4],
      [-1, 4],
      [1.5, 4],
      [Number.NaN, 1],
    ] as const) {
      await expect(store!.operations.reportProgress(op!.id, 'a#1', done, total)).rejects.toThrow(RangeError);
    }
    await expect(store!.operations.finish(op!.id, 'a#1', { status: 'failed', error: null, finishedAt: T0 })).rejects.toThrow();
    const error = { code: 'INTERNAL', detail: 'x' } as const;
    await expect(store!.operations.finish(op!.id, 'a#1', { status: 'succeeded', error, finishedAt: T0 })).rejects.toThrow();
    expect(await store!.operations.get(op!.id)).toEqual(op);
  });

  it('gives each operation to exactly one of many concurrent claimers on two instances', async () => {
    const stores = await target.stores(2);
    const ops = await queue(stores[0]!, 60);
    const claimedBy = new Map<string, string[]>();
    const claimer = async (n: number): Promise<void> => {
      const store = stores[n % 2]!;
      for (let i = 1; ; i += 1) {
        const token = `r${n}#${i}`;
        const claim = await store.operations.claim(token, T0, plus(T0, LEASE));
        if (claim === undefined) return;
        claimedBy.set(claim.op.id, [...(claimedBy.get(claim.op.id) ?? []), token]);
        expect(claim.attempts).toBe(1);
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, n) => claimer(n)));
    expect([...claimedBy.keys()].sort()).toEqual(ops.map((op) => op.id).sort());
    expect([...claimedBy.values()].every((tokens) => tokens.length === 1)).toBe(true);
  });

  it('inserts inside a unit of work, and rolls the insert back with it', async () => {
    const [store] = await target.stores(1);
    const tenant = aTenant();
    await store!.tenants.insert(tenant);
    const kept = anOperation(tenant.id);
    const dropped = anOperation(tenant.id);
    await store!.transaction((tx) => tx.operations.insert(kept));
    await expect(
      store!.transaction(async (tx) => {
        await tx.operations.insert(dropped);
        throw new Error('refused after queuing');
      }),
    ).rejects.toThrow('refused after queuing');
    expect(await store!.operations.listRunning(tenant.id)).toEqual([kept]);
  });

  it('keeps operations when the instance that held one goes away (they must survive a crash)', async () => {
    const [survivor] = await target.stores(1);
    const crashed = await target.another();
    const [op] = await queue(crashed, 1);
    await claimOp(crashed.operations, 'a#1', T0, plus(T0, LEASE));
    await crashed.operations.reportProgress(op!.id, 'a#1', 1, 2);
    await crashed.close();
    // Its lease runs out; another instance resumes the work where progress says it was.
    const later = plus(T0, LEASE + 1);
    expect(await survivor!.operations.claim('b#1', later, plus(later, LEASE))).toEqual({
      op: { ...op, progress: { done: 1, total: 2 } },
      attempts: 2,
    });
  });
}
