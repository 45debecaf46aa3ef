import { fail } from '../../domain/errors.js';
import { notFoundDetail } from '../../domain/permissions.js';
import type { Principal } from '../../domain/principal.js';
import type { Operation } from '../../domain/operation.js';
import type { AppDeps } from '../deps.js';
import { audited } from '../attempts.js';
import { environmentAttempt } from '../encryption/encryption-access.js';
import { loadEnvironmentForDatabase } from './database-access.js';
import { queueReplacement } from './queue-replacement.js';

export interface RestoreRequest {
  sourceEnvironmentId: string;
  backupId: string;
}

/**
 * R16: restores a backup into the environment it was taken from, or into another environment
 * protected by the same key. The target's data is replaced by the backup's, under the target's
 * own DEK; the target is `updating` until the operation has swapped the files.
 */
export function restoreBackup(deps: AppDeps, actor: Principal, targetId: string, request: RestoreRequest): Promise<{ operation: Operation }> {
  return audited(deps, actor, environmentAttempt(deps, targetId, 'environment.restore'), async () => {
    const operation = await deps.store.transaction(async (tx) => {
      const target = await loadEnvironmentForDatabase(tx, actor, targetId);
      const source = request.sourceEnvironmentId === target.id ? target : await loadEnvironmentForDatabase(tx, actor, request.sourceEnvironmentId);
      const backup = await tx.backups.get(request.backupId);
      if (backup?.environmentId !== source.id) return fail('NOT_FOUND', notFoundDetail('backup', request.backupId));
      return queueReplacement(tx, deps, actor, { type: 'restore', source, target, backupId: backup.id });
    });
    deps.kick.operations();
    return { operation };
  });
}
