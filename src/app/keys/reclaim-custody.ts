import { moveKey, TAKING_CUSTODY, type TenantKey } from '../../domain/tenant-key.js';
import type { Repos } from '../../ports/store.js';
import type { AppDeps } from '../deps.js';

/**
 * Gives back a custody that did not complete (SPEC L2): the vault object, if the import got that
 * far, is destroyed, and the record goes back to where it came from: a new key's Importing to
 * Deleted, an unlock's Restoring to Locked. Runs inside the region's unit of work (app/region.ts),
 * so no request taking the same custody interleaves; the vault is asked first, so a record is
 * never moved out of custody while the vault might still hold its key.
 */
export async function reclaimCustody(deps: Pick<AppDeps, 'vault'>, tx: Pick<Repos, 'keys'>, key: TenantKey): Promise<void> {
  if (!TAKING_CUSTODY.includes(key.state)) return;
  await deps.vault.destroyPrivateKey(key.id);
  await tx.keys.update(moveKey(key, key.state === 'Importing' ? 'Deleted' : 'Locked', { custodySince: null }));
}
