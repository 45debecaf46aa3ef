import { assertCmkEligibleEnvironment, assertNotLocked, assertReady } from '../../domain/environment.js';
import { fail } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import type { OperationOf } from '../../domain/operation.js';
import type { OperationContext } from '../../jobs/operation-handler.js';
import type { AppDeps } from '../deps.js';
import { actorLabel, audited, recordAudit } from '../audit.js';
import { activeKeyOf } from '../keys/key-access.js';
import { assertNoClashingOperation } from '../operations/conflicts.js';
import { queueOperation } from '../operations/queue-operation.js';
import { environmentAttempt, inEnvironmentRegion, loadEnvironmentForEncryption } from './encryption-access.js';
import { changeProtection } from './protection-change.js';

/**
 * R11: moves an environment under the region's active tenant key. The environment is
 * `updating` (unusable, 503) until the operation has given it a fresh DEK under that key and
 * re-keyed its database and backups (L4).
 */
export function applyTenantKey(
  deps: AppDeps,
  actor: Principal,
  environmentId: string,
  acknowledgeDowntime: boolean | undefined,
): Promise<{ operation: OperationOf<'apply-tenant-key'> }> {
  return audited(deps, actor, environmentAttempt(deps, environmentId, 'environment.apply-tenant-key'), async () => {
    const result = await inEnvironmentRegion(deps, actor, environmentId, loadEnvironmentForEncryption, async (tx, env) => {
      const tenant = (await tx.tenants.get(env.tenantId)) ?? fail('NOT_FOUND', 'No such tenant.');
      assertCmkEligibleEnvironment(env, tenant);
      if (acknowledgeDowntime !== true) {
        fail('ACKNOWLEDGEMENT_REQUIRED', 'The environment is unavailable while its key changes; acknowledge with "acknowledgeDowntime": true.');
      }
      assertNotLocked(env);
      if (env.encryption.mode === 'tenant') fail('CONFLICT', 'The environment is already protected by the tenant key.');
      assertReady(env);
      const key =
        (await activeKeyOf(tx, env.tenantId, env.region)) ??
        fail('NO_ACTIVE_KEY', `Region ${env.region} has no active tenant key; generate or upload one first.`);
      await assertNoClashingOperation(tx, env.tenantId, env.region, { environments: [env.id] });
      if (!(await tx.environments.moveStatus(env.id, 'begin-update'))) fail('CONFLICT', 'The environment changed meanwhile; try again.');
      const operation = await queueOperation(tx, deps, env.tenantId, 'apply-tenant-key', {
        environmentId: env.id,
        keyId: key.id,
        region: env.region,
        actor: actorLabel(actor),
      });
      await recordAudit(tx, deps, {
        tenantId: env.tenantId,
        action: 'environment.apply-tenant-key',
        target: `environment:${env.id}`,
        actor,
        outcome: 'allowed',
        detail: `key ${key.id}; operation ${operation.id}`,
      });
      return { operation };
    });
    deps.kick.operations();
    return result;
  });
}

/** The run half of R11 (protection-change.ts does the work). */
export const runApplyTenantKey = (deps: AppDeps, ctx: OperationContext<'apply-tenant-key'>): Promise<void> =>
  changeProtection(deps, ctx, async (tx) => {
    const key = (await tx.keys.get(ctx.op.input.keyId)) ?? fail('NO_ACTIVE_KEY', 'The tenant key no longer exists.');
    if (key.state !== 'Active') fail('NO_ACTIVE_KEY', `The tenant key "${key.name}" is ${key.state} now; apply again with the active key.`);
    return { kind: 'tenant', key };
  });
