import { fail } from '../../domain/errors.js';
import { notFoundDetail } from '../../domain/permissions.js';
import type { Principal } from '../../domain/principal.js';
import { assertCmkEnabled, assertRegionOfTenant, type Tenant } from '../../domain/tenant.js';
import type { TenantKey } from '../../domain/tenant-key.js';
import type { Repos } from '../../ports/store.js';
import type { AppDeps } from '../deps.js';
import { loadTenantFor } from '../load.js';
import type { Attempt } from '../audit.js';

/** The checks every tenant key action starts with: caller's role (R19), CMK on (R1), region. */
export async function loadKeyTenant(repos: Pick<Repos, 'tenants'>, actor: Principal, tenantId: string, region?: string): Promise<Tenant> {
  const tenant = await loadTenantFor(repos, actor, tenantId, 'key.manage');
  assertCmkEnabled(tenant);
  if (region !== undefined) assertRegionOfTenant(tenant, region);
  return tenant;
}

/** R3: every key action needs the caller to acknowledge the risk, whether the field is false or missing. */
export function assertRiskAcknowledged(acknowledgeRisk: boolean | undefined): void {
  if (acknowledgeRisk !== true) {
    fail('ACKNOWLEDGEMENT_REQUIRED', 'Key actions can make data unreadable; acknowledge the risk with "acknowledgeRisk": true.');
  }
}

export async function loadKeyOfTenant(repos: Pick<Repos, 'keys'>, tenantId: string, keyId: string): Promise<TenantKey> {
  const key = await repos.keys.get(keyId);
  if (!key || key.tenantId !== tenantId || key.state === 'Deleted' || key.state === 'Importing')
    return fail('NOT_FOUND', notFoundDetail('key', keyId));
  return key;
}

export async function activeKeyOf(repos: Pick<Repos, 'keys'>, tenantId: string, region: string): Promise<TenantKey | undefined> {
  return (await repos.keys.listByTenant(tenantId, region)).find((k) => k.state === 'Active');
}

/** The audit target of a tenant key action, resolvable only for a tenant that exists. */
export function keyAttempt(deps: Pick<AppDeps, 'store'>, tenantId: string, action: string, target: string): () => Promise<Attempt | undefined> {
  return async () => ((await deps.store.tenants.get(tenantId)) ? { tenantId, action, target } : undefined);
}
