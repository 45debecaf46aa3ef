import type { Repos } from '../ports/store.js';
import type { AppDeps } from './deps.js';

/**
 * A unit of work serialised on one tenant's region (SPEC L1): the region's serial lock is taken
 * first, so every rule `work` reads after it sees what the previous holder committed, and no
 * other action on the region interleaves before this one commits. Every action that changes a
 * region's keys or the protection of its environments runs its checks and writes in here.
 */
export function inRegion<T>(deps: Pick<AppDeps, 'store'>, tenantId: string, region: string, work: (tx: Repos) => Promise<T>): Promise<T> {
  return deps.store.transaction(async (tx) => {
    await tx.locks.region(tenantId, region);
    return work(tx);
  });
}

/**
 * The same over several regions of one tenant (a copy between two provider-key environments of
 * different regions), taking the locks in one global order so two such units never deadlock.
 */
export function inRegions<T>(
  deps: Pick<AppDeps, 'store'>,
  tenantId: string,
  regions: readonly string[],
  work: (tx: Repos) => Promise<T>,
): Promise<T> {
  const ordered = [...new Set(regions)].sort();
  return deps.store.transaction(async (tx) => {
    for (const region of ordered) await tx.locks.region(tenantId, region);
    return work(tx);
  });
}
