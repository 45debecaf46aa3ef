import { mayHoldOpenHandle, type EncryptionStatus } from '../domain/environment-status.js';
import type { AppDeps } from './deps.js';

/**
 * An engine's DEK may stay in memory while its keys may be served: ready, updating (a rewrap),
 * and locking until the engine is confirmed down (the key service checks that per request and
 * drops the DEK itself; this catches environments nobody asks for any more).
 */
const mayHoldEngineDek = (status: EncryptionStatus | undefined): boolean => status === 'ready' || status === 'updating' || status === 'locking';

/**
 * Drops this process's open handles (and so the DEKs inside them) of environments that are no
 * longer `ready` or `updating`: locked, locking, deleted; and the engine DEKs of environments
 * whose engine keys are no longer served. The instance that runs a lock evicts at once; every
 * other instance sharing the store catches up here, on a short timer.
 */
export async function evictUnusableHandles(deps: Pick<AppDeps, 'store' | 'dataPlane' | 'engines'>): Promise<number> {
  let evicted = 0;
  const open = deps.dataPlane.openEnvironmentIds();
  const engineDeks = deps.engines.deks.ids();
  const statuses = await deps.store.environments.statusesOf([...new Set([...open, ...engineDeks])]);
  for (const id of open) {
    if (mayHoldOpenHandle(statuses.get(id))) continue;
    deps.dataPlane.evict(id);
    evicted++;
  }
  for (const id of engineDeks) {
    if (mayHoldEngineDek(statuses.get(id))) continue;
    deps.engines.deks.drop(id);
    evicted++;
  }
  return evicted;
}
