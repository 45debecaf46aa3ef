import type { Principal } from '../../domain/principal.js';
import type { TenantKey } from '../../domain/tenant-key.js';
import type { AppDeps } from '../deps.js';
import { loadTenantFor } from '../load.js';

/** The tenant's keys, Deleted ones left out (API.md). Readable even before CMK is on: the list is just empty. */
export async function listKeys(deps: AppDeps, actor: Principal, tenantId: string, region?: string): Promise<TenantKey[]> {
  await loadTenantFor(deps.store, actor, tenantId, 'key.read');
  return deps.store.keys.listByTenant(tenantId, region);
}
