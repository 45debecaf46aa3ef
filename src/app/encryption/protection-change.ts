import { basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isExternalEngine } from '../../domain/engine.js';
import { fail } from '../../domain/errors.js';
import type { Environment } from '../../domain/environment.js';
import type { OperationOf } from '../../domain/operation.js';
import { DEK_BYTES, unwrapDek, wrapDekWithProviderKey, wrapDekWithTenantKey } from '../../crypto/envelope.js';
import { asRetryable, isFinalRefusal, retryable, type OperationContext } from '../../jobs/operation-handler.js';
import type { DekLoader } from '../../ports/data-plane.js';
import type { Repos } from '../../ports/store.js';
import type { AppDeps } from '../deps.js';
import { recordAudit } from '../audit.js';
import { inRegion } from '../region.js';
import type { Protector } from './rewrap.js';
import { rewrapEngineProtection } from './engine-rewrap.js';

type ProtectionOp = 'apply-tenant-key' | 'return-to-provider';

/**
 * The run half of R11 and R12, and SPEC L4: a change between provider and tenant protection
 * gives the environment a fresh DEK and re-keys its database and every backup, so nothing
 * wrapped before the change (in any backup of the control store, any PostgreSQL history) opens
 * the data after it. The environment is `updating` throughout (R11's downtime). Steps, each safe
 * to run again:
 *
 * 1. A new DEK, wrapped for the new protector, is recorded as the environment's pending DEK
 *    before any file changes. From here on the files may be under either DEK, and the record
 *    holds both, so nothing is ever unreadable; and there is no going back but forward.
 * 2. The database and each backup are re-keyed (built aside, renamed over; a file already under
 *    the new DEK is left as it is). Backup files that no record owns (a backup that crashed
 *    before its record committed) are removed rather than re-keyed.
 * 3. Under the region's serial lock, one commit swaps the pending DEK in (the old one is
 *    overwritten: it existed nowhere else), moves the protection, ends `updating`, and writes
 *    the audit entry (L3).
 *
 * A rule that refuses before step 1 puts the environment back to `ready` as it was.
 *
 * An environment on an external engine is only rewrapped (engine-rewrap.ts, SPEC E3): L4 cannot
 * hold for it, since the engine's redo log needs the keys of the old DEK for ever.
 */
export async function changeProtection<T extends ProtectionOp>(
  deps: AppDeps,
  ctx: OperationContext<T>,
  target: (tx: Pick<Repos, 'keys'>) => Promise<Protector>,
): Promise<void> {
  const loaded = (await deps.store.environments.get(ctx.op.input.environmentId)) ?? fail('NOT_FOUND', 'The environment no longer exists.');
  if (loaded.encryption.status !== 'updating') return; // finished before a crash
  if (isExternalEngine(loaded.engine)) return rewrapEngineProtection(deps, ctx, { ...loaded, engine: loaded.engine }, target);
  let env = loaded;
  try {
    const to = await target(deps.store);
    await ctx.reportProgress(0, 1);
    if (env.pendingWrappedDek === null) {
      await recordPendingDek(deps, env, to);
      env = (await deps.store.environments.get(env.id))!;
    }
    deps.faults.reach('protection.after-pending-dek');
    await rekeyFiles(deps, ctx, env, to);
    if (ctx.lost) return;
    deps.faults.reach('protection.after-rekey');
    await commitProtection(deps, ctx, env, target);
  } catch (error) {
    const now = await deps.store.environments.get(env.id).catch(() => undefined);
    // Before a pending DEK was recorded, a refusal is final and undoes the `updating`; after it,
    // the files may be under the new DEK already, so only going forward is safe.
    if (isFinalRefusal(error) && now?.pendingWrappedDek === null) {
      await deps.store.environments.moveStatus(env.id, 'end-update');
      throw error;
    }
    throw now?.pendingWrappedDek === null ? asRetryable(error) : retryable(error);
  }
}

async function recordPendingDek(deps: AppDeps, env: Environment, to: Protector): Promise<void> {
  const dek = randomBytes(DEK_BYTES);
  try {
    const pending = await wrapFor(deps, to, dek, env.id);
    if (!(await deps.store.environments.setPendingWrappedDek(env.id, pending))) {
      throw new Error('The environment changed while its new data key was being recorded; retrying.');
    }
  } finally {
    dek.fill(0);
  }
}

async function wrapFor(deps: AppDeps, to: Protector, dek: Buffer, environmentId: string): Promise<string> {
  if (to.kind === 'provider') return wrapDekWithProviderKey(deps.vault, dek, environmentId);
  const hash = deps.vault.oaepHashes[0];
  if (!hash) throw new Error('The vault decrypts with no RSA-OAEP hash.');
  return wrapDekWithTenantKey(to.key, hash, dek, environmentId);
}

const keyIdOf = (to: Protector): string | null => (to.kind === 'tenant' ? to.key.id : null);

function loaders(deps: AppDeps, env: Environment, to: Protector): { from: DekLoader; to: DekLoader } {
  const pending = env.pendingWrappedDek ?? fail('INTERNAL', 'The environment has no pending data key.');
  return {
    from: () => unwrapDek(deps.vault, env.wrappedDek, env.id, env.encryption.keyId),
    to: () => unwrapDek(deps.vault, pending, env.id, keyIdOf(to)),
  };
}

async function rekeyFiles(deps: AppDeps, ctx: OperationContext, env: Environment, to: Protector): Promise<void> {
  const keys = loaders(deps, env, to);
  const backups = await deps.store.backups.listByEnvironment(env.id);
  const total = 1 + backups.length;
  await deps.dataPlane.rekey(env.id, keys.from, keys.to, () => !ctx.lost);
  await ctx.reportProgress(1, total);
  const owned = new Set(backups.map((b) => b.id));
  for (const file of deps.dataPlane.backupFiles(env.id)) {
    const id = basename(file).replace(/\.db.*$/, '');
    if (!owned.has(id)) await deps.dataPlane.destroyBackup(env.id, id);
  }
  for (const [i, backup] of backups.entries()) {
    if (ctx.lost) return;
    await deps.dataPlane.rekeyBackup(env.id, backup.id, keys.from, keys.to);
    await ctx.reportProgress(2 + i, total);
  }
}

async function commitProtection<T extends ProtectionOp>(
  deps: AppDeps,
  ctx: OperationContext<T>,
  env: Environment,
  target: (tx: Pick<Repos, 'keys'>) => Promise<Protector>,
): Promise<void> {
  await inRegion(deps, env.tenantId, env.region, async (tx) => {
    const to = await target(tx);
    const next = { wrappedDek: env.pendingWrappedDek!, mode: to.kind, keyId: keyIdOf(to) } as const;
    deps.faults.reach('protection.before-commit');
    if (!(await tx.environments.swapProtection(env.id, env.wrappedDek, next, 'end-update'))) {
      throw new Error('The environment changed while its key was being changed; retrying.');
    }
    await recordAudit(tx, deps, {
      tenantId: env.tenantId,
      action: `environment.${ctx.op.type}`,
      target: `environment:${env.id}`,
      actor: ctx.op.input.actor,
      outcome: 'succeeded',
      detail: `new data key; database and backups re-keyed; operation ${ctx.op.id}`,
    });
  });
}

/**
 * When the runner gives a protection change up: leave the environment usable, on whichever DEK
 * its database is under now. Under the old one, the pending DEK is dropped and the environment
 * is `ready` as before; under the new one, the change is completed (the files are re-keyed as far
 * as they got; a backup left under the old DEK is removed, as it could never be read again).
 */
export async function settleProtectionChange(
  deps: AppDeps,
  op: OperationOf<'apply-tenant-key'> | OperationOf<'return-to-provider'>,
  reason: string,
): Promise<void> {
  const env = await deps.store.environments.get(op.input.environmentId);
  if (env?.encryption.status !== 'updating') return;
  const keyId = op.type === 'apply-tenant-key' ? op.input.keyId : null;
  if (
    env.pendingWrappedDek === null ||
    !(await deps.dataPlane.opensWith(env.id, () => unwrapDek(deps.vault, env.pendingWrappedDek!, env.id, keyId)))
  ) {
    await inRegion(deps, env.tenantId, env.region, async (tx) => {
      if (
        !(await tx.environments.swapProtection(
          env.id,
          env.wrappedDek,
          { wrappedDek: env.wrappedDek, mode: env.encryption.mode, keyId: env.encryption.keyId },
          'end-update',
        ))
      )
        return;
      await recordAudit(tx, deps, {
        tenantId: env.tenantId,
        action: `environment.${op.type}`,
        target: `environment:${env.id}`,
        actor: op.input.actor,
        outcome: 'failed',
        detail: reason,
      });
    });
    return;
  }
  for (const backup of await deps.store.backups.listByEnvironment(env.id)) {
    const underNew = await deps.dataPlane
      .opensWith(env.id, () => unwrapDek(deps.vault, env.pendingWrappedDek!, env.id, keyId), backup.id)
      .catch(() => false);
    if (underNew) continue;
    await deps.store.backups.remove(backup.id);
    await deps.dataPlane.destroyBackup(env.id, backup.id);
  }
  await inRegion(deps, env.tenantId, env.region, async (tx) => {
    const next = { wrappedDek: env.pendingWrappedDek!, mode: keyId === null ? 'provider' : 'tenant', keyId } as const;
    if (!(await tx.environments.swapProtection(env.id, env.wrappedDek, next, 'end-update'))) return;
    await recordAudit(tx, deps, {
      tenantId: env.tenantId,
      action: `environment.${op.type}`,
      target: `environment:${env.id}`,
      actor: op.input.actor,
      outcome: 'succeeded',
      detail: `completed after: ${reason}`,
    });
  });
}
