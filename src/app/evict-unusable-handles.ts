import { mayHoldOpenHandle } from '../domain/environment-status.js';
import type { AppDeps } from './deps.js';

/**
 * Drops this process's open handles (and so the DEKs inside them) of environments that are no
 * longer `ready` or `updating`: locked, locking, deleted. The instance that runs a lock evicts
 * at once; every other instance sharing the store catches up here, on a short timer.
 */
export async function evictUnusableHandles(deps: Pick<AppDeps, 'store' | 'dataPlane'>): Promise<number> {
  let evicted = 0;
  const open = deps.dataPlane.openEnvironmentIds();
  const statuses = await deps.store.environments.statusesOf(open);
  for (const id of open) {
    if (mayHoldOpenHandle(statuses.get(id))) continue;
    deps.dataPlane.evict(id);
    evicted++;
  }
  return evicted;
}
