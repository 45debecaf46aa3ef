import { fail } from '../../domain/errors.js';
import type { Environment } from '../../domain/environment.js';
import type { Operation } from '../../domain/operation.js';
import type { Principal } from '../../domain/principal.js';
import type { Repos } from '../../ports/store.js';
import type { AppDeps } from '../deps.js';
import { actorLabel, auditSuccess } from '../attempts.js';
import { queueOperation } from '../keys/key-access.js';
import { assertNoDatabaseOperation, assertNotLocked, assertReady, assertSameProtector } from './database-access.js';

/**
 * The shared second half of a restore (R16) or copy (R17) request, inside its unit of work:
 * the rules in the order a caller can act on them (locks first: nothing else matters while
 * one side is locked), then the target goes `updating` (its data answers 503) and the
 * operation is queued with the audit entry. The handler re-checks what may change meanwhile.
 */
export async function queueReplacement(
  tx: Repos,
  deps: AppDeps,
  actor: Principal,
  request: { type: 'restore' | 'copy'; source: Environment; target: Environment; backupId?: string },
): Promise<Operation> {
  const { type, source, target } = request;
  assertNotLocked(source, 'source');
  assertNotLocked(target, 'target');
  assertSameProtector(source, target);
  assertReady(source, 'source');
  assertReady(target, 'target');
  await assertNoDatabaseOperation(tx, target.tenantId, [source, target]);
  if (!(await tx.environments.moveStatus(target.id, ['ready'], 'updating'))) fail('CONFLICT', 'The target environment changed meanwhile; try again.');
  const operation = await queueOperation(tx, deps, target.tenantId, type, {
    environmentId: target.id,
    sourceEnvironmentId: source.id,
    backupId: request.backupId ?? null,
    region: target.region,
    actor: actorLabel(actor),
  });
  const from = `environment:${source.id}${request.backupId ? ` backup ${request.backupId}` : ''}`;
  await auditSuccess(
    tx,
    deps,
    actor,
    { tenantId: target.tenantId, action: `environment.${type}`, target: `environment:${target.id}` },
    `from ${from}; operation ${operation.id}`,
  );
  return operation;
}
