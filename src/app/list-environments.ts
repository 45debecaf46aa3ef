import type { Environment } from '../domain/environment.js';
import { isAllowed } from '../domain/permissions.js';
import type { Principal } from '../domain/principal.js';
import type { Tenant } from '../domain/tenant.js';
import type { AppDeps } from './deps.js';
import { loadTenantFor } from './load.js';

/** The tenant's environments the caller may see: all for admins, their own for env-admins. */
export async function listEnvironments(deps: AppDeps, actor: Principal, tenantId: string): Promise<{ tenant: Tenant; items: Environment[] }> {
  const tenant = await loadTenantFor(deps.store, actor, tenantId, 'environment.list');
  const all = await deps.store.environments.listByTenant(tenantId);
  const items = all.filter((env) => isAllowed(actor, 'environment.read', { tenantId, environmentId: env.id }));
  return { tenant, items };
}
