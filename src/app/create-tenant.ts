import type { Principal } from '../domain/principal.js';
import { authorize } from '../domain/permissions.js';
import { fail } from '../domain/errors.js';
import { assertPrintableName } from '../domain/names.js';
import type { Tenant } from '../domain/tenant.js';
import type { AppDeps } from './deps.js';

export interface CreateTenantInput {
  name: string;
  licensedSeats: number;
  regions: string[];
  cmkOptIn: boolean;
}

export async function createTenant(deps: AppDeps, actor: Principal, input: CreateTenantInput): Promise<Tenant> {
  authorize(actor, 'tenant.create', {});
  assertPrintableName(input.name, 'tenant name');
  const regions = [...new Set(input.regions)];
  if (regions.length !== input.regions.length) fail('VALIDATION_FAILED', 'Each region may be listed once.');
  const tenant: Tenant = {
    id: deps.ids.next('ten'),
    name: input.name,
    licensedSeats: input.licensedSeats,
    regions,
    cmkOptIn: input.cmkOptIn,
    cmkEnabled: false,
    cmkEnabledAt: null,
    createdAt: deps.clock.now(),
  };
  await deps.store.tenants.insert(tenant);
  return tenant;
}
