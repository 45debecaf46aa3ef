import { fail } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import type { OperationOf } from '../../domain/operation.js';
import { unwrapDek } from '../../crypto/envelope.js';
import { asRetryable, isFinalRefusal, type OperationContext } from '../../jobs/operation-handler.js';
import type { Repos } from '../../ports/store.js';
import type { Environment } from '../../domain/environment.js';
import { isExternalEngine } from '../../domain/engine.js';
import type { AppDeps } from '../deps.js';
import { actorLabel, audited, recordAudit } from '../audit.js';
import { assertNoClashingOperation } from '../operations/conflicts.js';
import { queueOperation } from '../operations/queue-operation.js';
import { inRegion } from '../region.js';
import { environmentAttempt, inEnvironmentRegion, loadEnvironmentForEncryption } from './encryption-access.js';

/** R15, second half: the key that locked the environment must be Active again (not Installing, not Locked). */
async function assertKeyUnlocked(tx: Pick<Repos, 'keys'>, env: Environment): Promise<void> {
  const key = env.encryption.keyId ? await tx.keys.get(env.encryption.keyId) : undefined;
  if (key?.state !== 'Active') {
    fail('NO_ACTIVE_KEY', `Unlock the key that locked this environment${key ? ` ("${key.name}")` : ''} first; it is ${key?.state ?? 'gone'}.`);
  }
}

/**
 * R15, second half: after its key is unlocked, each locked environment is unlocked on its own.
 * The operation proves the DEK unwraps under the returned key before the data is served again.
 */
export function unlockEnvironment(deps: AppDeps, actor: Principal, environmentId: string): Promise<{ operation: OperationOf<'unlock-environment'> }> {
  return audited(deps, actor, environmentAttempt(deps, environmentId, 'environment.unlock'), async () => {
    const result = await inEnvironmentRegion(deps, actor, environmentId, loadEnvironmentForEncryption, async (tx, env) => {
      if (env.encryption.status !== 'locked') fail('CONFLICT', `The environment is ${env.encryption.status}, not locked.`);
      await assertKeyUnlocked(tx, env);
      await assertNoClashingOperation(tx, env.tenantId, env.region, { environments: [env.id] });
      if (!(await tx.environments.moveStatus(env.id, 'begin-unlock'))) fail('CONFLICT', 'The environment changed meanwhile; try again.');
      const operation = await queueOperation(tx, deps, env.tenantId, 'unlock-environment', {
        environmentId: env.id,
        region: env.region,
        actor: actorLabel(actor),
      });
      await recordAudit(tx, deps, {
        tenantId: env.tenantId,
        action: 'environment.unlock',
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

/**
 * The run half: the DEK must unwrap under the returned key; then, in one commit under the
 * region's lock, the environment is `ready` again with its audit entry (L3). A rule that
 * refuses (the key is no longer Active) puts the environment back to `locked`.
 */
export async function runUnlockEnvironment(deps: AppDeps, ctx: OperationContext<'unlock-environment'>): Promise<void> {
  const env = (await deps.store.environments.get(ctx.op.input.environmentId)) ?? fail('NOT_FOUND', 'The environment no longer exists.');
  if (env.encryption.status !== 'unlocking') return; // finished before a crash
  try {
    await ctx.reportProgress(0, 1);
    const dek = await unwrapDek(deps.vault, env.wrappedDek, env.id, env.encryption.keyId);
    dek.fill(0);
    await inRegion(deps, env.tenantId, env.region, async (tx) => {
      await assertKeyUnlocked(tx, env);
      deps.faults.reach('unlock-environment.before-commit');
      if (!(await tx.environments.moveStatus(env.id, 'end-unlock', null))) throw new Error('The environment changed while being unlocked; retrying.');
      // The engine's keys are served again from this commit on; the operator starts the engine (SPEC E4).
      if (isExternalEngine(env.engine)) await tx.environments.recordEngineStop(env.id, null);
      await recordAudit(tx, deps, {
        tenantId: env.tenantId,
        action: 'environment.unlock-environment',
        target: `environment:${env.id}`,
        actor: ctx.op.input.actor,
        outcome: 'succeeded',
        detail: `operation ${ctx.op.id}`,
      });
    });
    await ctx.reportProgress(1, 1);
  } catch (error) {
    if (isFinalRefusal(error)) await deps.store.environments.moveStatus(env.id, 'undo-unlock');
    throw asRetryable(error);
  }
}
