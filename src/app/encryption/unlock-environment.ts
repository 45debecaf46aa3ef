import { fail } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import type { Operation } from '../../domain/operation.js';
import type { AppDeps } from '../deps.js';
import { actorLabel, audited, auditSuccess } from '../attempts.js';
import { assertNoEnvironmentOperation, queueOperation } from '../keys/key-access.js';
import { environmentAttempt, loadEnvironmentForEncryption } from './encryption-access.js';

/**
 * R15, second half: after its key is unlocked, each locked environment is unlocked on its own.
 * The operation proves the DEK unwraps under the returned key before the data is served again.
 */
export function unlockEnvironment(deps: AppDeps, actor: Principal, environmentId: string): Promise<{ operation: Operation }> {
  return audited(deps, actor, environmentAttempt(deps, environmentId, 'environment.unlock'), async () => {
    const result = await deps.store.transaction(async (tx) => {
      const env = await loadEnvironmentForEncryption(tx, actor, environmentId);
      if (env.encryption.status !== 'locked') fail('CONFLICT', `The environment is ${env.encryption.status}, not locked.`);
      const key = env.encryption.keyId ? await tx.keys.get(env.encryption.keyId) : undefined;
      if (key?.state !== 'Active') {
        fail('NO_ACTIVE_KEY', `Unlock the key that locked this environment${key ? ` ("${key.name}")` : ''} first; it is ${key?.state ?? 'gone'}.`);
      }
      await assertNoEnvironmentOperation(tx, env.tenantId, env.id, env.region);
      if (!(await tx.environments.moveStatus(env.id, ['locked'], 'unlocking'))) fail('CONFLICT', 'The environment changed meanwhile; try again.');
      const operation = await queueOperation(tx, deps, env.tenantId, 'unlock-environment', {
        environmentId: env.id,
        region: env.region,
        actor: actorLabel(actor),
      });
      await auditSuccess(
        tx,
        deps,
        actor,
        { tenantId: env.tenantId, action: 'environment.unlock', target: `environment:${env.id}` },
        `operation ${operation.id}`,
      );
      return { operation };
    });
    deps.kick.operations();
    return result;
  });
}
