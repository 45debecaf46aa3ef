import type { OperationInputs, OperationOf, OperationType } from '../../domain/operation.js';
import type { Repos } from '../../ports/store.js';
import type { AppDeps } from '../deps.js';

/**
 * Queues a long operation inside the request's unit of work, so it commits with the state
 * change that announced it (a key going Installing, an environment going updating) or not at
 * all. The input is the one the type's handler receives (domain/operation.ts).
 */
export async function queueOperation<T extends OperationType>(
  tx: Pick<Repos, 'operations'>,
  deps: Pick<AppDeps, 'ids' | 'clock'>,
  tenantId: string,
  type: T,
  input: OperationInputs[T],
): Promise<OperationOf<T>> {
  const op = {
    id: deps.ids.next('op'),
    tenantId,
    type,
    status: 'running',
    progress: { done: 0, total: 0 },
    error: null,
    input,
    createdAt: deps.clock.now(),
    finishedAt: null,
  } as OperationOf<T>;
  await tx.operations.insert(op as Parameters<Repos['operations']['insert']>[0]);
  return op;
}
