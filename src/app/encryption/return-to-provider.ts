import { fail } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import type { Operation } from '../../domain/operation.js';
import type { AppDeps } from '../deps.js';
import { actorLabel, audited, auditSuccess } from '../attempts.js';
import { assertNoEnvironmentOperation, queueOperation } from '../keys/key-access.js';
import { environmentAttempt, loadEnvironmentForEncryption } from './encryption-access.js';

/**
 * R12: moves an environment's DEK back under the provider key. A production environment needs
 * its name typed as confirmation. `updating` (503) until the operation has rewrapped the DEK.
 */
export function returnToProvider(
  deps: AppDeps,
  actor: Principal,
  environmentId: string,
  confirmation: string | undefined,
): Promise<{ operation: Operation }> {
  return audited(deps, actor, environmentAttempt(deps, environmentId, 'environment.return-to-provider'), async () => {
    const result = await deps.store.transaction(async (tx) => {
      const env = await loadEnvironmentForEncryption(tx, actor, environmentId);
      if (env.type === 'production' && confirmation !== env.name) {
        fail(
          'CONFIRMATION_MISMATCH',
          `Type the environment's name ("${env.name}") as "confirmation" to return a production environment to the provider key.`,
        );
      }
      if (env.encryption.status === 'locked' || env.encryption.status === 'locking')
        fail('ENVIRONMENT_LOCKED', 'The environment is locked; unlock it first.');
      if (env.encryption.mode !== 'tenant') fail('CONFLICT', 'The environment is already protected by the provider key.');
      if (env.encryption.status !== 'ready') fail('CONFLICT', `The environment is ${env.encryption.status}; wait for that to finish.`);
      await assertNoEnvironmentOperation(tx, env.tenantId, env.id, env.region);
      if (!(await tx.environments.moveStatus(env.id, ['ready'], 'updating'))) fail('CONFLICT', 'The environment changed meanwhile; try again.');
      const operation = await queueOperation(tx, deps, env.tenantId, 'return-to-provider', {
        environmentId: env.id,
        region: env.region,
        actor: actorLabel(actor),
      });
      await auditSuccess(
        tx,
        deps,
        actor,
        { tenantId: env.tenantId, action: 'environment.return-to-provider', target: `environment:${env.id}` },
        `operation ${operation.id}`,
      );
      return { operation };
    });
    deps.kick.operations();
    return result;
  });
}
