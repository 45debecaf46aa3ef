import type { AppDeps } from '../deps.js';

/**
 * The second half of a crypto-shred (delete, purge): called after the commit that erased the
 * environment's wrapped DEK, so the files removed here are already ciphertext whose key exists
 * nowhere. Removing them (database, side files, every backup) is then about space and about
 * leaving nothing behind; a crash before this leaves only such ciphertext. Other instances
 * drop their handles on their next sweep (the status is `deleted`); nothing is ever made
 * again under these names, so their late closes cannot touch a newer file.
 */
export async function removeEnvironmentFiles(deps: Pick<AppDeps, 'store' | 'dataPlane'>, environmentId: string): Promise<void> {
  deps.dataPlane.evict(environmentId);
  await deps.dataPlane.destroy(environmentId);
  await deps.dataPlane.destroyBackups(environmentId);
  await deps.store.backups.scrubErased();
}
