import type { Principal } from '../../domain/principal.js';
import type { TenantKey } from '../../domain/tenant-key.js';
import type { AppDeps } from '../deps.js';
import { loadTenantFor } from '../load.js';

/**
 * The tenant's keys (API.md): Deleted ones left out, and so are keys whose custody is still
 * being taken (Importing: a request in flight, or one that died and will be reclaimed), since
 * they are not keys yet. Readable even before CMK is on: the list is just empty.
 */
export async function listKeys(deps: AppDeps, actor: Principal, tenantId: string, region?: string): Promise<TenantKey[]> {
  await loadTenantFor(deps.store, actor, tenantId, 'key.read');
  return (await deps.store.keys.listByTenant(tenantId, region)).filter((k) => k.state !== 'Importing');
}
