import { fail } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import type { OperationOf } from '../../domain/operation.js';
import type { OperationContext } from '../../jobs/operation-handler.js';
import type { AppDeps } from '../deps.js';
import { audited } from '../audit.js';
import { environmentAttempt } from '../encryption/encryption-access.js';
import { queueReplacement } from './queue-replacement.js';
import { replaceDatabase } from './replace-database.js';

/**
 * R17: copies an environment's data, as it is now, over another environment protected by the
 * same key (a support environment must be moved to the tenant key first). The copy is taken
 * online from the source and re-keyed to the target's DEK; the target is `updating` meanwhile.
 */
export function copyEnvironment(
  deps: AppDeps,
  actor: Principal,
  targetId: string,
  sourceEnvironmentId: string,
): Promise<{ operation: OperationOf<'copy'> }> {
  return audited(deps, actor, environmentAttempt(deps, targetId, 'environment.copy'), async () => {
    if (sourceEnvironmentId === targetId)
      fail('VALIDATION_FAILED', 'An environment cannot be copied over itself; restore one of its backups instead.');
    const operation = await queueReplacement(deps, actor, targetId, sourceEnvironmentId, { type: 'copy' });
    deps.kick.operations();
    return { operation: operation as OperationOf<'copy'> };
  });
}

/** The run half of R17: a restore whose source is the other environment's live database. */
export const runCopy = (deps: AppDeps, ctx: OperationContext<'copy'>): Promise<void> => replaceDatabase(deps, ctx, undefined);
