import type { Principal } from '../domain/principal.js';
import { fail } from '../domain/errors.js';
import type { AppDeps } from './deps.js';
import { loadEnvironmentFor } from './load.js';

/**
 * Crypto-shredding: the record's wrapped DEK is erased and the status set to `deleted` in one
 * commit, so from then on nothing can decrypt the file; only then are the files removed.
 * A crash between the two leaves ciphertext whose key exists nowhere any more.
 */
export async function deleteEnvironment(deps: AppDeps, actor: Principal, environmentId: string): Promise<void> {
  await deps.store.transaction(async (tx) => {
    const env = await loadEnvironmentFor(tx, actor, environmentId, 'environment.delete');
    if (env.encryption.status !== 'ready' && env.encryption.status !== 'locked') {
      fail('CONFLICT', `The environment is ${env.encryption.status}; wait for that to finish before deleting it.`);
    }
    await tx.environments.update({ ...env, wrappedDek: '', encryption: { ...env.encryption, status: 'deleted' } });
  });
  deps.dataPlane.evict(environmentId);
  await deps.dataPlane.destroy(environmentId);
}
