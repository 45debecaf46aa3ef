import { fail } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import type { Operation } from '../../domain/operation.js';
import type { AppDeps } from '../deps.js';
import { audited } from '../attempts.js';
import { environmentAttempt } from '../encryption/encryption-access.js';
import { loadEnvironmentForDatabase } from './database-access.js';
import { queueReplacement } from './queue-replacement.js';

/**
 * R17: copies an environment's data, as it is now, over another environment protected by the
 * same key (a support environment must be moved to the tenant key first). The copy is taken
 * online from the source and re-keyed to the target's DEK; the target is `updating` meanwhile.
 */
export function copyEnvironment(deps: AppDeps, actor: Principal, targetId: string, sourceEnvironmentId: string): Promise<{ operation: Operation }> {
  return audited(deps, actor, environmentAttempt(deps, targetId, 'environment.copy'), async () => {
    const operation = await deps.store.transaction(async (tx) => {
      const target = await loadEnvironmentForDatabase(tx, actor, targetId);
      const source = await loadEnvironmentForDatabase(tx, actor, sourceEnvironmentId);
      if (source.id === target.id) fail('VALIDATION_FAILED', 'An environment cannot be copied over itself; restore one of its backups instead.');
      return queueReplacement(tx, deps, actor, { type: 'copy', source, target });
    });
    deps.kick.operations();
    return { operation };
  });
}
