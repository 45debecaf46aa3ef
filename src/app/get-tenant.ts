import type { Principal } from '../domain/principal.js';
import type { Tenant } from '../domain/tenant.js';
import type { AppDeps } from './deps.js';
import { loadTenantFor } from './load.js';

export const getTenant = (deps: AppDeps, actor: Principal, tenantId: string): Promise<Tenant> =>
  loadTenantFor(deps.store, actor, tenantId, 'tenant.read');
