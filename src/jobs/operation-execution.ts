import { isKeywardError, type KeywardError } from '../domain/errors.js';
import type { Operation } from '../domain/operation.js';
import type { Clock } from '../ports/clock.js';
import type { OperationClaim, OperationRepo } from '../ports/operation-store.js';
import { dispatch, type GiveUpHandlers, type OperationContext, type OperationHandlers } from './operation-handler.js';
import { messageOf, OperationLease, type OperationLog } from './operation-lease.js';

/** What running one claimed operation needs; the runner hands the same to every operation. */
export interface ExecutionDeps {
  repo: OperationRepo;
  leaseClock: Clock;
  finishClock: Clock;
  leaseMs: number;
  maxAttempts: number;
  log: OperationLog;
  /** Clean-ups of operations the runner gives up (see GiveUpHandlers). */
  onGiveUp: GiveUpHandlers;
}

/** A claim as the runner made it: the lease token and end it asked for. */
export interface HeldClaim extends OperationClaim {
  token: string;
  leaseUntil: Date;
}

const MAX_BACKOFF_MS = 60_000;

/** Seconds doubling per attempt (2, 4, 8 …), capped, so a vault that is down is not hammered. */
export const backoffMs = (attempts: number): number => Math.min(2 ** attempts * 1000, MAX_BACKOFF_MS);

/**
 * Clients see this instead of the failure's own text, which may quote a key, a token or a
 * query; the log keeps the real message for the operator.
 */
const GAVE_UP_DETAIL = 'The operation failed repeatedly and was stopped; the server log has the cause.';

/** A refused operation may report a result too (a lock that shredded but could not stop one engine). */
type Outcome =
  | { kind: 'succeeded'; result: Operation['result'] }
  | { kind: 'refused'; error: KeywardError; result: Operation['result'] }
  | { kind: 'crashed'; error: unknown };

/**
 * Runs one claimed operation to an outcome and records it, by the lease holder only. Never
 * rejects: whatever goes wrong is logged, and an operation left unrecorded is simply claimed
 * again when its lease runs out (its handler is idempotent).
 */
export async function executeOperation(deps: ExecutionDeps, handlers: Partial<OperationHandlers>, claim: HeldClaim): Promise<void> {
  const { op, attempts, token } = claim;
  const base = { operationId: op.id, type: op.type, lease: token, attempt: attempts };
  try {
    if (attempts > deps.maxAttempts) {
      // Claimed more often than it may be retried without ever recording an outcome: each run
      // most likely took the process down with it. Running it again would do the same.
      deps.log({ ...base, event: 'operation.given-up', reason: 'too many claims' });
      await giveUp(deps, op, 'it crashed the server every time it ran', base);
      await finish(deps, op, token, { code: 'INTERNAL', detail: GAVE_UP_DETAIL });
      return;
    }
    const lease = new OperationLease(deps.repo, op.id, token, claim.leaseUntil, deps.leaseClock, deps.leaseMs, deps.log);
    lease.start();
    let outcome: Outcome;
    const ctx = contextFor(deps.repo, op, lease);
    try {
      await dispatch(handlers, ctx);
      outcome = { kind: 'succeeded', result: ctx.result };
    } catch (error) {
      outcome = isKeywardError(error) ? { kind: 'refused', error, result: ctx.result } : { kind: 'crashed', error };
    } finally {
      lease.stop();
    }
    if (lease.lost) {
      // Another runner has it (or will): whatever this run did, that one's result counts.
      deps.log({ ...base, event: 'operation.abandoned', outcome: outcome.kind });
      return;
    }
    await record(deps, op, token, attempts, outcome, base);
  } catch (error) {
    deps.log({ ...base, event: 'operation.record-failed', message: messageOf(error) });
  }
}

function contextFor(repo: OperationRepo, op: Operation, lease: OperationLease): OperationContext & { result: Operation['result'] } {
  return {
    op,
    result: null,
    setResult(result) {
      this.result = result;
    },
    get lost() {
      return lease.lost;
    },
    async reportProgress(done, total) {
      if (lease.lost) return;
      if (!(await repo.reportProgress(op.id, lease.token, done, total))) lease.markLost('progress refused');
    },
  };
}

async function record(deps: ExecutionDeps, op: Operation, token: string, attempts: number, outcome: Outcome, base: object): Promise<void> {
  switch (outcome.kind) {
    case 'succeeded':
      if (await finish(deps, op, token, null, outcome.result)) deps.log({ ...base, event: 'operation.succeeded' });
      return;
    case 'refused': {
      const { code, detail } = outcome.error;
      if (await finish(deps, op, token, { code, detail }, outcome.result)) deps.log({ ...base, event: 'operation.failed', code });
      return;
    }
    case 'crashed': {
      const message = messageOf(outcome.error);
      if (attempts >= deps.maxAttempts) {
        // Logged whether or not this holder still records it: the message is the cause.
        deps.log({ ...base, event: 'operation.given-up', reason: 'too many failures', message });
        await giveUp(deps, op, 'it failed repeatedly', base);
        await finish(deps, op, token, { code: 'INTERNAL', detail: GAVE_UP_DETAIL });
        return;
      }
      const notBefore = new Date(deps.leaseClock.now().getTime() + backoffMs(attempts));
      await deps.repo.release(op.id, token, notBefore);
      deps.log({ ...base, event: 'operation.retry-later', notBefore: notBefore.toISOString(), message });
    }
  }
}

/** Records the outcome; false (and logged) when the lease was taken over before it could. */
async function finish(
  deps: ExecutionDeps,
  op: Operation,
  token: string,
  error: Operation['error'],
  result: Operation['result'] = null,
): Promise<boolean> {
  const status = error === null ? 'succeeded' : 'failed';
  const recorded = await deps.repo.finish(op.id, token, { status, error, finishedAt: deps.finishClock.now(), result });
  if (!recorded) deps.log({ operationId: op.id, lease: token, event: 'operation.lease-lost', reason: 'finish refused' });
  return recorded;
}

/** Runs the type's give-up clean-up, if it has one; a failure is logged, never thrown. */
async function giveUp(deps: ExecutionDeps, op: Operation, reason: string, base: object): Promise<void> {
  const cleanUp = deps.onGiveUp[op.type] as ((op: Operation, reason: string) => Promise<void>) | undefined;
  if (cleanUp === undefined) return;
  try {
    await cleanUp(op, `The operation was stopped because ${reason}; the server log has the cause.`);
  } catch (error) {
    deps.log({ ...base, event: 'operation.give-up-failed', message: messageOf(error) });
  }
}
