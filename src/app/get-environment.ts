import type { Environment } from '../domain/environment.js';
import type { Principal } from '../domain/principal.js';
import type { Tenant } from '../domain/tenant.js';
import { fail } from '../domain/errors.js';
import type { AppDeps } from './deps.js';
import { loadEnvironmentFor } from './load.js';

export async function getEnvironment(deps: AppDeps, actor: Principal, environmentId: string): Promise<{ tenant: Tenant; environment: Environment }> {
  const environment = await loadEnvironmentFor(deps.store, actor, environmentId, 'environment.read');
  const tenant = (await deps.store.tenants.get(environment.tenantId)) ?? fail('NOT_FOUND', 'No such tenant.');
  return { tenant, environment };
}
