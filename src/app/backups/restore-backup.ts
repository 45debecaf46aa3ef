import { fail } from '../../domain/errors.js';
import { notFoundDetail } from '../../domain/permissions.js';
import type { Principal } from '../../domain/principal.js';
import type { OperationOf } from '../../domain/operation.js';
import type { OperationContext } from '../../jobs/operation-handler.js';
import type { AppDeps } from '../deps.js';
import { audited } from '../audit.js';
import { environmentAttempt } from '../encryption/encryption-access.js';
import { queueReplacement } from './queue-replacement.js';
import { replaceDatabase } from './replace-database.js';

export interface RestoreRequest {
  sourceEnvironmentId: string;
  backupId: string;
}

/**
 * R16: restores a backup into the environment it was taken from, or into another environment
 * protected by the same key. The target's data is replaced by the backup's, under the target's
 * own DEK; the target is `updating` until the operation has swapped the files.
 */
export function restoreBackup(
  deps: AppDeps,
  actor: Principal,
  targetId: string,
  request: RestoreRequest,
): Promise<{ operation: OperationOf<'restore'> }> {
  return audited(deps, actor, environmentAttempt(deps, targetId, 'environment.restore'), async () => {
    const operation = await queueReplacement(
      deps,
      actor,
      targetId,
      request.sourceEnvironmentId,
      { type: 'restore', backupId: request.backupId },
      async (tx, source) => {
        const backup = await tx.backups.get(request.backupId);
        if (backup?.environmentId !== source.id) fail('NOT_FOUND', notFoundDetail('backup', request.backupId));
      },
    );
    deps.kick.operations();
    return { operation: operation as OperationOf<'restore'> };
  });
}

/** The run half of R16 (replace-database.ts). */
export const runRestore = (deps: AppDeps, ctx: OperationContext<'restore'>): Promise<void> => replaceDatabase(deps, ctx, ctx.op.input.backupId);
