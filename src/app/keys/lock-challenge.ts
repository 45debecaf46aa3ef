import { fail } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import { shortThumbprint, type TenantKey } from '../../domain/tenant-key.js';
import type { Tenant } from '../../domain/tenant.js';
import type { AppDeps } from '../deps.js';
import { activeKeyOf, loadKeyTenant } from './key-access.js';

/**
 * The text a caller must type back to lock a region (R13). Derived, not stored: it names the
 * tenant, region and active key, so it changes when any of them does and a stale copy fails.
 */
export function lockChallengeText(tenant: Tenant, region: string, activeKey: TenantKey): string {
  return `LOCK ${tenant.name} ${region} ${shortThumbprint(activeKey.thumbprint)}`;
}

export async function lockChallenge(deps: AppDeps, actor: Principal, tenantId: string, region: string): Promise<{ text: string }> {
  const tenant = await loadKeyTenant(deps.store, actor, tenantId, region);
  const active =
    (await activeKeyOf(deps.store, tenantId, region)) ??
    fail('NO_ACTIVE_KEY', `Region ${region} has no active tenant key, so there is nothing to lock.`);
  return { text: lockChallengeText(tenant, region, active) };
}
