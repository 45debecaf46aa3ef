import { mayHoldPrivateHalf } from '../../domain/tenant-key.js';
import type { AppDeps } from '../deps.js';
import { reclaimCustody } from './reclaim-custody.js';
import { inRegion } from '../region.js';

export interface Reconciliation {
  /** Custodies that never completed (their request died), given back. */
  reclaimed: number;
  /** Key-exchange keys destroyed because they expired or their issuance died. */
  exchangeKeysDestroyed: number;
  /** Vault objects that no live record owned, destroyed. */
  orphansDestroyed: number;
}

/**
 * Makes the vault agree with the store (SPEC L2), at every start and periodically: nothing may
 * sit in the vault without a live record that a lock would destroy.
 *
 * 1. Custodies older than `custodyTimeoutMs` by real time (their request died between intent and
 *    completion) are given back, each under its region's serial lock.
 * 2. Key-exchange keys past their expiry (app clock), or whose issuance died, are destroyed.
 * 3. The vault's own search is compared with the records: an object whose record is gone, or in
 *    a state that holds no private half (Deleted, Locked, a Destroyed exchange key), is
 *    destroyed. Records are read after the search, and are always made before their object, so
 *    an object of a custody in flight is never taken for an orphan.
 */
export async function reconcileVault(deps: AppDeps): Promise<Reconciliation> {
  const realNow = deps.realClock.now();
  const before = new Date(realNow.getTime() - deps.custodyTimeoutMs);
  let reclaimed = 0;
  for (const stale of await deps.store.keys.listTakingCustodySince(before)) {
    await inRegion(deps, stale.tenantId, stale.region, async (tx) => {
      const current = await tx.keys.get(stale.id);
      if (!current || current.custodySince === null || current.custodySince.getTime() >= before.getTime()) return;
      await reclaimCustody(deps, tx, current);
      reclaimed++;
    });
  }

  let exchangeKeysDestroyed = 0;
  for (const xk of await deps.store.exchangeKeys.listDue(deps.clock.now(), before)) {
    await deps.vault.destroyPrivateKey(xk.id);
    if (await deps.store.exchangeKeys.move(xk.id, xk.state, 'Destroyed')) exchangeKeysDestroyed++;
  }

  let orphansDestroyed = 0;
  for (const handle of await deps.vault.listPrivateKeys()) {
    const key = await deps.store.keys.get(handle);
    if (key && mayHoldPrivateHalf(key.state)) continue;
    const xk = key ? undefined : await deps.store.exchangeKeys.get(handle);
    if (xk && xk.state !== 'Destroyed') continue;
    await deps.vault.destroyPrivateKey(handle);
    orphansDestroyed++;
  }
  return { reclaimed, exchangeKeysDestroyed, orphansDestroyed };
}
