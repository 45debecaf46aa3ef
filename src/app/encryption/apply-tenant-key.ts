import { assertCmkEligibleEnvironment } from '../../domain/environment.js';
import { fail } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import type { Operation } from '../../domain/operation.js';
import type { AppDeps } from '../deps.js';
import { actorLabel, audited, auditSuccess } from '../attempts.js';
import { activeKeyOf, assertNoEnvironmentOperation, queueOperation } from '../keys/key-access.js';
import { environmentAttempt, loadEnvironmentForEncryption } from './encryption-access.js';

/**
 * R11: moves an environment's DEK under the region's active tenant key. The environment is
 * `updating` (unusable, 503) until the operation has rewrapped its DEK.
 */
export function applyTenantKey(
  deps: AppDeps,
  actor: Principal,
  environmentId: string,
  acknowledgeDowntime: boolean,
): Promise<{ operation: Operation }> {
  return audited(deps, actor, environmentAttempt(deps, environmentId, 'environment.apply-tenant-key'), async () => {
    const result = await deps.store.transaction(async (tx) => {
      const env = await loadEnvironmentForEncryption(tx, actor, environmentId);
      const tenant = (await tx.tenants.get(env.tenantId)) ?? fail('NOT_FOUND', 'No such tenant.');
      assertCmkEligibleEnvironment(env, tenant);
      if (acknowledgeDowntime !== true) {
        fail('ACKNOWLEDGEMENT_REQUIRED', 'The environment is unavailable while its key changes; acknowledge with "acknowledgeDowntime": true.');
      }
      if (env.encryption.status === 'locked') fail('ENVIRONMENT_LOCKED', 'The environment is locked; unlock it first.');
      if (env.encryption.mode === 'tenant') fail('CONFLICT', 'The environment is already protected by the tenant key.');
      if (env.encryption.status !== 'ready') fail('CONFLICT', `The environment is ${env.encryption.status}; wait for that to finish.`);
      const key =
        (await activeKeyOf(tx, env.tenantId, env.region)) ??
        fail('NO_ACTIVE_KEY', `Region ${env.region} has no active tenant key; generate or upload one first.`);
      await assertNoEnvironmentOperation(tx, env.tenantId, env.id, env.region);
      if (!(await tx.environments.moveStatus(env.id, ['ready'], 'updating'))) fail('CONFLICT', 'The environment changed meanwhile; try again.');
      const operation = await queueOperation(tx, deps, env.tenantId, 'apply-tenant-key', {
        environmentId: env.id,
        keyId: key.id,
        region: env.region,
        actor: actorLabel(actor),
      });
      await auditSuccess(
        tx,
        deps,
        actor,
        { tenantId: env.tenantId, action: 'environment.apply-tenant-key', target: `environment:${env.id}` },
        `key ${key.id}; operation ${operation.id}`,
      );
      return { operation };
    });
    deps.kick.operations();
    return result;
  });
}
