import type { Operation, OperationStatus, OperationType } from '../domain/operation.js';

/** A claimed operation and how many times it has been claimed, this claim included. */
export interface OperationClaim {
  op: Operation;
  attempts: number;
}

/**
 * Durable long operations. A runner claims a running operation with a lease; only the lease
 * holder may report on it; a lease that runs out (the holder crashed) lets another claim it.
 * Lease times are real (wall-clock) times, never the dev clock.
 */
export interface OperationRepo {
  insert(op: Operation): Promise<void>;
  get(id: string): Promise<Operation | undefined>;
  /** Running operations of a tenant (to refuse conflicting ones). */
  listRunning(tenantId: string): Promise<Operation[]>;
  /**
   * Claims the oldest running operation that nobody holds (or whose lease ended before `now`),
   * for `owner` until `leaseUntil`; exactly one of several concurrent callers gets each one.
   * Limited to `types` (all types when omitted), telling how often the operation
   * has been claimed (both methods count every claim): the count bounds retries, and so also
   * stops an operation whose every run crashes the process. An operation released with
   * `notBefore` is not claimable before then. `owner` is the lease's identity: a runner that
   * uses a fresh one per claim can tell its own stale claims from its live ones.
   */
  claim(owner: string, now: Date, leaseUntil: Date, types?: readonly OperationType[]): Promise<OperationClaim | undefined>;
  /** Extends the lease; false when `owner` no longer holds it (it must stop working on it). */
  renewLease(id: string, owner: string, leaseUntil: Date): Promise<boolean>;
  /** Progress, by the lease holder only; false when it no longer holds the lease. */
  reportProgress(id: string, owner: string, done: number, total: number): Promise<boolean>;
  /** Ends the operation, by the lease holder only, and releases the lease; `succeeded` also sets done = total. */
  finish(
    id: string,
    owner: string,
    outcome: { status: Exclude<OperationStatus, 'running'>; error: Operation['error']; finishedAt: Date; result?: Operation['result'] },
  ): Promise<boolean>;
  /** Releases the lease without finishing (for a retry later, e.g. a vault that is down). */
  release(id: string, owner: string, notBefore: Date): Promise<void>;
}
