import { assertNotLocked, assertReady } from '../../domain/environment.js';
import { fail } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import type { OperationOf } from '../../domain/operation.js';
import type { OperationContext } from '../../jobs/operation-handler.js';
import type { AppDeps } from '../deps.js';
import { actorLabel, audited, recordAudit } from '../audit.js';
import { assertNoClashingOperation } from '../operations/conflicts.js';
import { queueOperation } from '../operations/queue-operation.js';
import { environmentAttempt, inEnvironmentRegion, loadEnvironmentForEncryption } from './encryption-access.js';
import { changeProtection } from './protection-change.js';

/**
 * R12: moves an environment back under the provider key. A production environment needs its
 * name typed as confirmation. `updating` (503) until the operation has given it a fresh DEK under
 * the provider key and re-keyed its database and backups (L4).
 */
export function returnToProvider(
  deps: AppDeps,
  actor: Principal,
  environmentId: string,
  confirmation: string | undefined,
): Promise<{ operation: OperationOf<'return-to-provider'> }> {
  return audited(deps, actor, environmentAttempt(deps, environmentId, 'environment.return-to-provider'), async () => {
    const result = await inEnvironmentRegion(deps, actor, environmentId, loadEnvironmentForEncryption, async (tx, env) => {
      if (env.type === 'production' && confirmation !== env.name) {
        fail(
          'CONFIRMATION_MISMATCH',
          `Type the environment's name ("${env.name}") as "confirmation" to return a production environment to the provider key.`,
        );
      }
      assertNotLocked(env);
      if (env.encryption.mode !== 'tenant') fail('CONFLICT', 'The environment is already protected by the provider key.');
      assertReady(env);
      await assertNoClashingOperation(tx, env.tenantId, env.region, { environments: [env.id] });
      if (!(await tx.environments.moveStatus(env.id, 'begin-update'))) fail('CONFLICT', 'The environment changed meanwhile; try again.');
      const operation = await queueOperation(tx, deps, env.tenantId, 'return-to-provider', {
        environmentId: env.id,
        region: env.region,
        actor: actorLabel(actor),
      });
      await recordAudit(tx, deps, {
        tenantId: env.tenantId,
        action: 'environment.return-to-provider',
        target: `environment:${env.id}`,
        actor,
        outcome: 'allowed',
        detail: `operation ${operation.id}`,
      });
      return { operation };
    });
    deps.kick.operations();
    return result;
  });
}

/** The run half of R12 (protection-change.ts does the work). */
export const runReturnToProvider = (deps: AppDeps, ctx: OperationContext<'return-to-provider'>): Promise<void> =>
  changeProtection(deps, ctx, () => Promise.resolve({ kind: 'provider' }));
