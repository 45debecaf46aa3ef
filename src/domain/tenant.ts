import { fail } from './errors.js';

export interface Tenant {
  id: string;
  name: string;
  licensedSeats: number;
  regions: string[];
  cmkOptIn: boolean;
  cmkEnabled: boolean;
  cmkEnabledAt: Date | null;
  createdAt: Date;
}

/** The seed's threshold: CMK is for tenants with *more than* this many licensed seats. */
export const CMK_MIN_SEATS_EXCLUSIVE = 1000;

/** R1: the provider turns CMK on only for a tenant that opted in and has more than 1000 seats. */
export function assertCmkEligible(tenant: Tenant): void {
  if (!tenant.cmkOptIn) {
    fail('CMK_NOT_ELIGIBLE', 'The tenant has not opted in to customer-managed keys; record its opt-in first.');
  }
  if (tenant.licensedSeats <= CMK_MIN_SEATS_EXCLUSIVE) {
    fail(
      'CMK_NOT_ELIGIBLE',
      `The tenant has ${tenant.licensedSeats} licensed seats; customer-managed keys need more than ${CMK_MIN_SEATS_EXCLUSIVE}.`,
    );
  }
}

/** R1: until the provider turns CMK on, no key operation works. */
export function assertCmkEnabled(tenant: Tenant): void {
  if (!tenant.cmkEnabled) {
    fail('CMK_NOT_ENABLED', 'Customer-managed keys are not enabled for this tenant; ask the provider to enable them.');
  }
}

/** Turning CMK on is idempotent: the first time is kept, since R2 counts from it. */
export function enableCmk(tenant: Tenant, now: Date): Tenant {
  assertCmkEligible(tenant);
  if (tenant.cmkEnabled) return tenant;
  return { ...tenant, cmkEnabled: true, cmkEnabledAt: now };
}

export function assertRegionOfTenant(tenant: Tenant, region: string): void {
  if (!tenant.regions.includes(region)) {
    fail('VALIDATION_FAILED', `Region "${region}" is not one of the tenant's regions (${tenant.regions.join(', ')}).`);
  }
}
