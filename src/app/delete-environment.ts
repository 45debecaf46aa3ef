import type { Principal } from '../domain/principal.js';
import { fail } from '../domain/errors.js';
import type { AppDeps } from './deps.js';
import { auditSuccess } from './attempts.js';
import { removeEnvironmentFiles } from './backups/remove-environment-files.js';
import { loadEnvironmentFor } from './load.js';

/**
 * Crypto-shredding: the record's wrapped DEK is erased and the status set to `deleted` in one
 * commit, so from then on nothing can decrypt the file; only then are the files removed.
 * A crash between the two leaves ciphertext whose key exists nowhere any more.
 * Backups are under the same DEK, so the same commit shreds them; their records go with it
 * and their files with the environment's. The status moves by compare-and-set, so a delete
 * racing a purge (or an operation that just started) changes the environment once.
 */
export async function deleteEnvironment(deps: AppDeps, actor: Principal, environmentId: string): Promise<void> {
  await deps.store.transaction(async (tx) => {
    const env = await loadEnvironmentFor(tx, actor, environmentId, 'environment.delete');
    if (env.encryption.status !== 'ready' && env.encryption.status !== 'locked') {
      fail('CONFLICT', `The environment is ${env.encryption.status}; wait for that to finish before deleting it.`);
    }
    if (!(await tx.environments.moveStatus(env.id, [env.encryption.status], 'deleted')))
      fail('CONFLICT', 'The environment changed meanwhile; try again.');
    await tx.environments.update({ ...env, wrappedDek: '', encryption: { ...env.encryption, status: 'deleted' } });
    const backups = await tx.backups.deleteByEnvironment(env.id);
    await auditSuccess(
      tx,
      deps,
      actor,
      { tenantId: env.tenantId, action: 'environment.delete', target: `environment:${env.id}` },
      `data and ${backups} backup(s) shredded`,
    );
  });
  await removeEnvironmentFiles(deps, environmentId);
}
