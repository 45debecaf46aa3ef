import { isExternalEngine, type MariaDbEngine } from '../../domain/engine.js';
import { assertNotLocked, assertReady, type Environment } from '../../domain/environment.js';
import { fail } from '../../domain/errors.js';
import type { OperationOf } from '../../domain/operation.js';
import type { Principal } from '../../domain/principal.js';
import type { OperationContext } from '../../jobs/operation-handler.js';
import type { AppDeps } from '../deps.js';
import { actorLabel, audited, recordAudit } from '../audit.js';
import { environmentAttempt, inEnvironmentRegion, loadEnvironmentForEncryption } from '../encryption/encryption-access.js';
import { assertNoClashingOperation } from '../operations/conflicts.js';
import { queueOperation } from '../operations/queue-operation.js';
import { inRegion } from '../region.js';

function engineOf(env: Environment): MariaDbEngine {
  if (isExternalEngine(env.engine)) return env.engine;
  return fail('CONFLICT', `The environment "${env.name}" is embedded: it has no engine keys to rotate (its data key never leaves Keyward).`);
}

/**
 * Rotation of an external engine's keys: the key service starts serving a new latest version
 * (every version derives from the same DEK, crypto/engine-keys.ts), and MariaDB's encryption
 * threads re-encrypt a tablespace when its key is more than `innodb_encryption_rotate_key_age`
 * versions behind the latest, strictly: with age 1, going from version N to N+1 re-encrypts what
 * is at N-1 or older, so one rotation re-encrypts nothing on a fresh server (at 1) and a second
 * one does (docs/mariadb.md, "Rotation"). The old versions are never retired: the redo log keeps
 * the version it was created with for the life of the data directory (INVARIANTS 4).
 *
 * Tenant admins and the environment's env-admin may rotate (R19), as for its other encryption
 * settings; the engine keeps running and picks the new version up when its version cache expires.
 */
export function rotateEngineKey(deps: AppDeps, actor: Principal, environmentId: string): Promise<{ operation: OperationOf<'rotate-engine-key'> }> {
  return audited(deps, actor, environmentAttempt(deps, environmentId, 'environment.rotate-engine-key'), async () => {
    const result = await inEnvironmentRegion(deps, actor, environmentId, loadEnvironmentForEncryption, async (tx, env) => {
      const fromVersion = engineOf(env).keyVersion;
      assertNotLocked(env);
      assertReady(env);
      await assertNoClashingOperation(tx, env.tenantId, env.region, { environments: [env.id] });
      const operation = await queueOperation(tx, deps, env.tenantId, 'rotate-engine-key', {
        environmentId: env.id,
        fromVersion,
        region: env.region,
        actor: actorLabel(actor),
      });
      await recordAudit(tx, deps, {
        tenantId: env.tenantId,
        action: 'environment.rotate-engine-key',
        target: `environment:${env.id}`,
        actor,
        outcome: 'allowed',
        detail: `from version ${fromVersion}; operation ${operation.id}`,
      });
      return { operation };
    });
    deps.kick.operations();
    return result;
  });
}

/**
 * The run half: one compare-and-set from `fromVersion` to the next, with its audit entry, under
 * the region's serial lock. Run twice, the second run finds the version already moved.
 */
export async function runRotateEngineKey(deps: AppDeps, ctx: OperationContext<'rotate-engine-key'>): Promise<void> {
  const { environmentId, fromVersion } = ctx.op.input;
  const keyVersion = fromVersion + 1;
  await ctx.reportProgress(0, 1);
  await inRegion(deps, ctx.op.tenantId, ctx.op.input.region, async (tx) => {
    const env = (await tx.environments.get(environmentId)) ?? fail('NOT_FOUND', 'The environment no longer exists.');
    const engine = engineOf(env);
    if (engine.keyVersion >= keyVersion) return; // done before a crash
    assertNotLocked(env);
    deps.faults.reach('engine-rotation.before-commit');
    if (!(await tx.environments.advanceEngineKeyVersion(env.id, fromVersion))) {
      fail('CONFLICT', `The engine key version changed meanwhile (it is ${engine.keyVersion}); rotate again.`);
    }
    await recordAudit(tx, deps, {
      tenantId: env.tenantId,
      action: 'environment.rotate-engine-key',
      target: `environment:${env.id}`,
      actor: ctx.op.input.actor,
      outcome: 'succeeded',
      detail: `engine keys at version ${keyVersion}; versions 1 to ${fromVersion} still served; operation ${ctx.op.id}`,
    });
  });
  ctx.setResult({ environmentId, keyVersion });
  await ctx.reportProgress(1, 1);
}
