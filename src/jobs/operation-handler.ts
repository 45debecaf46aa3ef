import type { Operation } from '../domain/operation.js';

/** What a handler sees of the operation it runs. */
export interface OperationContext {
  op: Operation;
  /**
   * Stores progress for clients to see. Does nothing once the lease is lost; a store failure
   * rejects, and a handler that lets it through is retried like any other failure.
   */
  reportProgress(done: number, total: number): Promise<void>;
  /** True once the lease is lost (taken over, or expired unrenewed): stop at once. */
  readonly lost: boolean;
}

/**
 * Runs one operation to its end. It must be idempotent: after a crash at any point it runs
 * again from the start, so every step checks what is already done (compare-and-set) rather
 * than assuming. Resolve: the operation succeeded. Throw a KeywardError: it failed with that
 * code and detail (which clients see). Throw anything else: a transient failure, retried later.
 */
export type OperationHandler = (ctx: OperationContext) => Promise<void>;
