import { fail } from '../../domain/errors.js';
import { notFoundDetail } from '../../domain/permissions.js';
import type { Principal } from '../../domain/principal.js';
import { assertCmkEnabled, assertRegionOfTenant, type Tenant } from '../../domain/tenant.js';
import type { TenantKey } from '../../domain/tenant-key.js';
import type { Operation, OperationType } from '../../domain/operation.js';
import type { Repos } from '../../ports/store.js';
import type { AppDeps } from '../deps.js';
import { loadTenantFor } from '../load.js';
import type { Attempt } from '../attempts.js';

/** The checks every tenant key action starts with: caller's role (R19), CMK on (R1), region. */
export async function loadKeyTenant(repos: Repos, actor: Principal, tenantId: string, region?: string): Promise<Tenant> {
  const tenant = await loadTenantFor(repos, actor, tenantId, 'key.manage');
  assertCmkEnabled(tenant);
  if (region !== undefined) assertRegionOfTenant(tenant, region);
  return tenant;
}

/** R3: every key action needs the caller to acknowledge the risk. */
export function assertRiskAcknowledged(acknowledgeRisk: boolean | undefined): void {
  if (acknowledgeRisk !== true) {
    fail('ACKNOWLEDGEMENT_REQUIRED', 'Key actions can make data unreadable; acknowledge the risk with "acknowledgeRisk": true.');
  }
}

export async function loadKeyOfTenant(repos: Repos, tenantId: string, keyId: string): Promise<TenantKey> {
  const key = await repos.keys.get(keyId);
  if (!key || key.tenantId !== tenantId || key.state === 'Deleted') return fail('NOT_FOUND', notFoundDetail('key', keyId));
  return key;
}

export async function activeKeyOf(repos: Repos, tenantId: string, region: string): Promise<TenantKey | undefined> {
  return (await repos.keys.listByTenant(tenantId, region)).find((k) => k.state === 'Active');
}

/** Operations that change which key protects a region's environments may not overlap. */
const REGION_WIDE: readonly OperationType[] = ['activate-key', 'lock-tenant', 'unlock-key'];

export async function assertNoRegionOperation(repos: Repos, tenantId: string, region: string, alsoEnvironmentOps = false): Promise<void> {
  const running = await repos.operations.listRunning(tenantId);
  const clash = running.find((op) => op.input.region === region && (REGION_WIDE.includes(op.type) || alsoEnvironmentOps));
  if (clash) fail('CONFLICT', `A ${clash.type} operation (${clash.id}) is still running in region ${region}; wait for it to finish.`);
}

export async function assertNoEnvironmentOperation(repos: Repos, tenantId: string, environmentId: string, region: string): Promise<void> {
  const running = await repos.operations.listRunning(tenantId);
  const clash = running.find((op) => op.input.environmentId === environmentId || (op.input.region === region && REGION_WIDE.includes(op.type)));
  if (clash) fail('CONFLICT', `A ${clash.type} operation (${clash.id}) is still running; wait for it to finish.`);
}

export async function queueOperation(tx: Repos, deps: AppDeps, tenantId: string, type: OperationType, input: Operation['input']): Promise<Operation> {
  const op: Operation = {
    id: deps.ids.next('op'),
    tenantId,
    type,
    status: 'running',
    progress: { done: 0, total: 0 },
    error: null,
    input,
    createdAt: deps.clock.now(),
    finishedAt: null,
  };
  await tx.operations.insert(op);
  return op;
}

/** The audit target of a tenant key action, resolvable only for a tenant that exists. */
export function keyAttempt(deps: AppDeps, tenantId: string, action: string, target: string): () => Promise<Attempt | undefined> {
  return async () => ((await deps.store.tenants.get(tenantId)) ? { tenantId, action, target } : undefined);
}
