import { assertEmbedded } from '../../domain/engine.js';
import { assertNotLocked, assertReady } from '../../domain/environment.js';
import { fail } from '../../domain/errors.js';
import { assertPrintableName } from '../../domain/names.js';
import { assertWithinQuota } from '../../domain/quotas.js';
import type { Principal } from '../../domain/principal.js';
import type { Backup } from '../../ports/backup-store.js';
import type { AppDeps } from '../deps.js';
import { audited, recordAudit } from '../audit.js';
import { environmentAttempt } from '../encryption/encryption-access.js';
import { dekLoaderOf, loadEnvironmentForDatabase } from './database-access.js';

export const MAX_LABEL_LENGTH = 200;

/**
 * Takes a backup: a consistent copy of the environment's database, taken while it stays in
 * use, under the environment's own DEK (so a lock makes it as unreadable as the environment).
 * The file is written first and the record committed after, checking the environment is still
 * `ready`: a reset or lock that started meanwhile wins, and the copy is removed again. A crash
 * between the two leaves a file without a record, which the next reset, delete or purge of the
 * environment removes with the rest of its backup directory.
 */
export function createBackup(deps: AppDeps, actor: Principal, environmentId: string, label: string | undefined): Promise<Backup> {
  return audited(deps, actor, environmentAttempt(deps, environmentId, 'environment.backup'), async () => {
    const env = await loadEnvironmentForDatabase(deps.store, actor, environmentId);
    assertEmbedded(env, 'backups');
    assertNotLocked(env);
    assertReady(env);
    if (label !== undefined) assertPrintableName(label, 'backup label');
    const trimmed = label?.trim();
    if (trimmed !== undefined && trimmed.length > MAX_LABEL_LENGTH)
      fail('VALIDATION_FAILED', `A backup label has at most ${MAX_LABEL_LENGTH} characters.`);
    assertWithinQuota(deps.limits.quotas, 'backupsPerEnvironment', (await deps.store.backups.listByEnvironment(env.id)).length);
    const id = deps.ids.next('bk');
    const { bytes } = await deps.dataPlane.backup(env.id, dekLoaderOf(deps.vault, env), id);
    try {
      return await deps.store.transaction(async (tx) => {
        const now = await tx.environments.get(env.id);
        if (now?.encryption.status !== 'ready') return fail('CONFLICT', 'The environment changed while it was being backed up; try again.');
        const backup: Backup = {
          id,
          tenantId: env.tenantId,
          environmentId: env.id,
          label: trimmed ? trimmed : null,
          createdAt: deps.clock.now(),
          protector: { mode: now.encryption.mode, keyId: now.encryption.keyId },
          sizeBytes: bytes,
        };
        await tx.backups.insert(backup);
        await recordAudit(tx, deps, {
          tenantId: env.tenantId,
          action: 'environment.backup',
          target: `environment:${env.id}`,
          actor,
          outcome: 'allowed',
          detail: `backup ${id}`,
        });
        return backup;
      });
    } catch (error) {
      await deps.dataPlane.destroyBackup(env.id, id).catch(() => undefined);
      throw error;
    }
  });
}
