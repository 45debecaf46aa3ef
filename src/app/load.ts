import type { Environment } from '../domain/environment.js';
import { fail } from '../domain/errors.js';
import { authorize, notFoundDetail, type Action } from '../domain/permissions.js';
import type { Principal } from '../domain/principal.js';
import type { Tenant } from '../domain/tenant.js';
import type { Repos } from '../ports/store.js';

/**
 * Loading a target and checking the caller may act on it, in the one order that leaks nothing:
 * a missing target and another tenant's target both answer 404.
 */
export async function loadTenantFor(repos: Pick<Repos, 'tenants'>, actor: Principal, tenantId: string, action: Action): Promise<Tenant> {
  const tenant = await repos.tenants.get(tenantId);
  if (!tenant) {
    // Check first as if it existed, so a user probing ids of other tenants sees 404 either way.
    authorize(actor, action, { tenantId }, notFoundDetail('tenant', tenantId));
    return fail('NOT_FOUND', notFoundDetail('tenant', tenantId));
  }
  authorize(actor, action, { tenantId }, notFoundDetail('tenant', tenantId));
  return tenant;
}

export async function loadEnvironmentFor(
  repos: Pick<Repos, 'environments'>,
  actor: Principal,
  environmentId: string,
  action: Action,
): Promise<Environment> {
  const env = await repos.environments.get(environmentId);
  if (!env || env.encryption.status === 'deleted') return fail('NOT_FOUND', notFoundDetail('environment', environmentId));
  authorize(actor, action, { tenantId: env.tenantId, environmentId: env.id }, notFoundDetail('environment', environmentId));
  return env;
}
