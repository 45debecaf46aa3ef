import { createHash, randomBytes } from 'node:crypto';
import { assertEmbedded } from '../../domain/engine.js';
import { assertNotLocked, assertReady, type Environment } from '../../domain/environment.js';
import { fail } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import type { OperationOf } from '../../domain/operation.js';
import { DEK_BYTES, unwrapDek, wrapDekWithProviderKey } from '../../crypto/envelope.js';
import { asRetryable, isFinalRefusal, retryable, type OperationContext } from '../../jobs/operation-handler.js';
import type { AppDeps } from '../deps.js';
import { actorLabel, audited, recordAudit } from '../audit.js';
import { environmentAttempt, inEnvironmentRegion } from '../encryption/encryption-access.js';
import { assertNoClashingOperation } from '../operations/conflicts.js';
import { queueOperation } from '../operations/queue-operation.js';
import { inRegion } from '../region.js';
import { dekLoaderOf, loadEnvironmentForDatabase } from './database-access.js';

/**
 * Names the wrapped DEK an environment had when its reset was asked for, without copying it
 * into the operation's input (a digest: no wrapped key in the operations table).
 */
export const wrappedDekDigest = (wrappedDek: string): string => createHash('sha256').update(wrappedDek, 'utf8').digest('hex');

/**
 * Whether the reset's shredding step has committed, from the record alone (a re-run after a
 * crash must never shred the new DEK). For a tenant-key environment the sign is the move to the
 * provider key, which nothing else does to an `updating` environment; a provider-key
 * environment's wrapped DEK changes only by the shred.
 */
export function resetHasShredded(input: OperationOf<'reset'>['input'], env: Environment): boolean {
  if (input.mode === 'tenant') return env.encryption.mode === 'provider';
  return wrappedDekDigest(env.wrappedDek) !== input.dekDigest;
}

/**
 * R18: resets an environment: its data and all its backups are crypto-shredded (its DEK is
 * replaced and the files removed) and it starts again empty, under a new DEK, on the provider
 * key. A locked environment is refused: a lock means nothing happens to the data until the
 * key holder acts (unlock it, or delete it; the 28-day purge deletes it otherwise).
 */
export function resetEnvironment(deps: AppDeps, actor: Principal, environmentId: string): Promise<{ operation: OperationOf<'reset'> }> {
  return audited(deps, actor, environmentAttempt(deps, environmentId, 'environment.reset'), async () => {
    const operation = await inEnvironmentRegion(deps, actor, environmentId, loadEnvironmentForDatabase, async (tx, env) => {
      assertEmbedded(env, 'a reset');
      assertNotLocked(env);
      assertReady(env);
      await assertNoClashingOperation(tx, env.tenantId, env.region, { environments: [env.id] });
      if (!(await tx.environments.moveStatus(env.id, 'begin-update'))) fail('CONFLICT', 'The environment changed meanwhile; try again.');
      const op = await queueOperation(tx, deps, env.tenantId, 'reset', {
        environmentId: env.id,
        region: env.region,
        mode: env.encryption.mode,
        dekDigest: wrappedDekDigest(env.wrappedDek),
        actor: actorLabel(actor),
      });
      await recordAudit(tx, deps, {
        tenantId: env.tenantId,
        action: 'environment.reset',
        target: `environment:${env.id}`,
        actor,
        outcome: 'allowed',
        detail: `operation ${op.id}`,
      });
      return op;
    });
    deps.kick.operations();
    return { operation };
  });
}

/**
 * The run half of R18. Three steps, each safe to run again:
 * 1. Shred: once no connection anywhere has the database open, one commit replaces the
 *    wrapped DEK with a new DEK wrapped under the provider key and forgets the backups. From
 *    that commit on the old DEK exists nowhere: the old file and every backup are ciphertext
 *    under a key nobody holds. Whether this step committed is read from the record
 *    (resetHasShredded), so a re-run never shreds the new DEK.
 * 2. Remove the old files and backups, and make a fresh, empty database under the new DEK.
 *    A re-run removes a fresh database made by a crashed run and makes it again.
 * 3. `updating` → `ready` by compare-and-set, with the audit entry in the same commit.
 */
export async function runReset(deps: AppDeps, ctx: OperationContext<'reset'>): Promise<void> {
  const loaded = (await deps.store.environments.get(ctx.op.input.environmentId)) ?? fail('NOT_FOUND', 'The environment no longer exists.');
  if (loaded.encryption.status !== 'updating') return; // finished before a crash
  const shredded = (e: Environment) => resetHasShredded(ctx.op.input, e);
  let env: Environment = loaded;
  try {
    await ctx.reportProgress(0, 2);
    if (!shredded(env)) {
      await deps.dataPlane.detach(env.id, dekLoaderOf(deps.vault, env));
      if (ctx.lost) return;
      await shred(deps, env);
      env = (await deps.store.environments.get(env.id))!;
    }
    deps.faults.reach('reset.after-shred');
    await ctx.reportProgress(1, 2);
    await deps.dataPlane.destroy(env.id);
    await deps.dataPlane.destroyBackups(env.id);
    await deps.store.backups.scrubErased();
    const dek = await unwrapDek(deps.vault, env.wrappedDek, env.id, env.encryption.keyId);
    try {
      await deps.dataPlane.create(env.id, dek);
    } finally {
      dek.fill(0);
    }
    // The handle create() left open is not needed until someone reads the fresh database.
    deps.dataPlane.evict(env.id);
    if (ctx.lost) return;
    await inRegion(deps, env.tenantId, env.region, async (tx) => {
      if (!(await tx.environments.moveStatus(env.id, 'end-update'))) return;
      // A fresh database has no tables, so no file columns: R2's "never goes back" is about a
      // database's life, and this is a new one.
      await tx.environments.setHasFileColumns(env.id, false);
      await recordAudit(tx, deps, {
        tenantId: env.tenantId,
        action: 'environment.reset',
        target: `environment:${env.id}`,
        actor: ctx.op.input.actor,
        outcome: 'succeeded',
        detail: `data and backups shredded; new data key under the provider key; operation ${ctx.op.id}`,
      });
    });
    await ctx.reportProgress(2, 2);
  } catch (error) {
    // Before the shred a refusal puts the environment back as it was; after it there is no way
    // back (the old DEK is gone), so the remaining steps are retried until they are done. The
    // record decides which side we are on (not a variable: the commit may have happened just
    // before a failure); when it cannot be read, retrying is the safe side.
    const now = await deps.store.environments.get(env.id).catch(() => undefined);
    const past = now === undefined || shredded(now);
    if (isFinalRefusal(error) && !past) await deps.store.environments.moveStatus(env.id, 'end-update');
    throw past ? retryable(error) : asRetryable(error);
  }
}

async function shred(deps: AppDeps, env: Environment): Promise<void> {
  const dek = randomBytes(DEK_BYTES);
  let wrappedDek: string;
  try {
    wrappedDek = await wrapDekWithProviderKey(deps.vault, dek, env.id);
  } finally {
    dek.fill(0);
  }
  const done = await inRegion(deps, env.tenantId, env.region, async (tx) => {
    if (!(await tx.environments.swapProtection(env.id, env.wrappedDek, { wrappedDek, mode: 'provider', keyId: null }))) return false;
    await tx.backups.deleteByEnvironment(env.id);
    return true;
  });
  if (!done) throw new Error('The environment changed while it was being reset; retrying.');
}
