import { fail } from '../../domain/errors.js';
import { authorize, notFoundDetail } from '../../domain/permissions.js';
import type { Operation } from '../../domain/operation.js';
import type { Principal } from '../../domain/principal.js';
import type { AppDeps } from '../deps.js';

/** An operation is visible to whoever may read its tenant; others get 404 as for unknown ids. */
export async function getOperation(deps: AppDeps, actor: Principal, operationId: string): Promise<Operation> {
  const op = await deps.store.operations.get(operationId);
  if (!op) return fail('NOT_FOUND', notFoundDetail('operation', operationId));
  authorize(actor, 'tenant.read', { tenantId: op.tenantId }, notFoundDetail('operation', operationId));
  return op;
}
