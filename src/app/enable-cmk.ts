import type { Principal } from '../domain/principal.js';
import { enableCmk as enableCmkRule, type Tenant } from '../domain/tenant.js';
import type { AppDeps } from './deps.js';
import { loadTenantFor } from './load.js';

/** R1: the provider turns CMK on for an eligible tenant; from then on new environments may use a tenant key. */
export async function enableCmk(deps: AppDeps, actor: Principal, tenantId: string): Promise<Tenant> {
  return deps.store.transaction(async (tx) => {
    const tenant = await loadTenantFor(tx, actor, tenantId, 'tenant.enableCmk');
    const next = enableCmkRule(tenant, deps.clock.now());
    if (next !== tenant) await tx.tenants.update(next);
    return next;
  });
}
