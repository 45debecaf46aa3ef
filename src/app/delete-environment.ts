import type { Principal } from '../domain/principal.js';
import { fail } from '../domain/errors.js';
import type { AppDeps } from './deps.js';
import { recordAudit } from './audit.js';
import { removeEnvironmentFiles } from './backups/remove-environment-files.js';
import { inEnvironmentRegion } from './encryption/encryption-access.js';
import { loadEnvironmentFor } from './load.js';
import { assertNoClashingOperation } from './operations/conflicts.js';

/**
 * Crypto-shredding: the record's wrapped DEK is erased and the status set to `deleted` in one
 * compare-and-set, under the region's serial lock (L1), so from then on nothing can decrypt the
 * file; only then are the files removed. A crash between the two leaves ciphertext whose key
 * exists nowhere any more. Backups are under the same DEK, so the same commit shreds them; their
 * records go with it and their files with the environment's.
 */
export async function deleteEnvironment(deps: AppDeps, actor: Principal, environmentId: string): Promise<void> {
  await inEnvironmentRegion(
    deps,
    actor,
    environmentId,
    (repos, who, id) => loadEnvironmentFor(repos, who, id, 'environment.delete'),
    async (tx, env) => {
      if (env.encryption.status !== 'ready' && env.encryption.status !== 'locked') {
        fail('CONFLICT', `The environment is ${env.encryption.status}; wait for that to finish before deleting it.`);
      }
      await assertNoClashingOperation(tx, env.tenantId, env.region, { environments: [env.id] });
      if (!(await tx.environments.shred(env.id, 'delete'))) fail('CONFLICT', 'The environment changed meanwhile; try again.');
      const backups = await tx.backups.deleteByEnvironment(env.id);
      await recordAudit(tx, deps, {
        tenantId: env.tenantId,
        action: 'environment.delete',
        target: `environment:${env.id}`,
        actor,
        outcome: 'allowed',
        detail: `data and ${backups} backup(s) shredded`,
      });
    },
  );
  await removeEnvironmentFiles(deps, environmentId);
}
