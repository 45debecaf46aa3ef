import { isKeywardError, type KeywardError } from '../domain/errors.js';
import type { Operation, OperationOf, OperationResult, OperationType } from '../domain/operation.js';

/** What a handler sees of the operation it runs: its own type's input, typed. */
export interface OperationContext<T extends OperationType = OperationType> {
  op: OperationOf<T>;
  /**
   * Stores progress for clients to see. Does nothing once the lease is lost; a store failure
   * rejects, and a handler that lets it through is retried like any other failure.
   */
  reportProgress(done: number, total: number): Promise<void>;
  /** True once the lease is lost (taken over, or expired unrenewed): stop at once. */
  readonly lost: boolean;
  /** What the operation reports when it succeeds (API.md `result`); the last call wins. */
  setResult(result: OperationResult): void;
}

/**
 * Runs one operation to its end. It must be idempotent: after a crash at any point it runs
 * again from the start, so every step checks what is already done (compare-and-set) rather
 * than assuming. Resolve: the operation succeeded. Throw a KeywardError: it failed with that
 * code and detail (which clients see). Throw anything else: a transient failure, retried later.
 */
export type OperationHandler<T extends OperationType = OperationType> = (ctx: OperationContext<T>) => Promise<void>;

/** One handler per operation type; the app's registry is the full record (app/operation-handlers.ts). */
export type OperationHandlers = { [T in OperationType]: OperationHandler<T> };

/**
 * What to do when the runner gives an operation up (it failed too often, or crashed the process
 * every time): leave nothing stuck half-way (an activation's key Installing for ever). Optional
 * per type; best effort, logged when it fails.
 */
export type GiveUpHandlers = { [T in OperationType]?: (op: OperationOf<T>, reason: string) => Promise<void> };

/** Runs `op` with the handler of its type (the map guarantees they match; TypeScript cannot see it). */
export function dispatch(handlers: Partial<OperationHandlers>, ctx: OperationContext): Promise<void> {
  const handler = handlers[ctx.op.type] as OperationHandler | undefined;
  if (handler === undefined) throw new Error(`No handler for claimed operation type ${ctx.op.type}.`);
  return handler(ctx);
}

/**
 * The runner fails an operation for good on a KeywardError and retries anything else. A vault
 * or store failure (`INTERNAL`: an HSM that hiccuped, a dropped connection) is worth retrying,
 * so handlers pass it on as a plain error; a rule's refusal stays final.
 */
export function asRetryable(error: unknown): unknown {
  if (isKeywardError(error) && error.code === 'INTERNAL') return new Error(error.detail, { cause: error });
  return error;
}

/** A refusal by a rule (not a fault of the vault or store): the operation fails with it. */
export const isFinalRefusal = (error: unknown): error is KeywardError => isKeywardError(error) && error.code !== 'INTERNAL';

/** A failure past the point of no return: whatever it was, retry until the remaining steps are done. */
export const retryable = (error: unknown): unknown => (isKeywardError(error) ? new Error(error.detail, { cause: error }) : error);

export type { Operation };
