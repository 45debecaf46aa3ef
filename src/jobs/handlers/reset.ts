import { randomBytes } from 'node:crypto';
import { fail, isKeywardError } from '../../domain/errors.js';
import type { Environment } from '../../domain/environment.js';
import { DEK_BYTES, unwrapDek, wrapDekWithProviderKey } from '../../crypto/envelope.js';
import { dekLoaderOf } from '../../app/backups/database-access.js';
import { resetHasShredded } from '../../app/backups/reset-environment.js';
import type { OperationContext } from '../operation-handler.js';
import { asRetryable, inputString, isFinalRefusal, operationActor, type HandlerDeps } from './handler-deps.js';

/**
 * R18: reset. Three steps, each safe to run again:
 * 1. Shred: once no connection anywhere has the database open, one commit replaces the
 *    wrapped DEK with a new DEK wrapped under the provider key and forgets the backups. From
 *    that commit on the old DEK exists nowhere: the old file and every backup are ciphertext
 *    under a key nobody holds. Whether this step committed is read from the record
 *    (resetHasShredded), so a re-run never shreds the new DEK.
 * 2. Remove the old files and backups, and make a fresh, empty database under the new DEK.
 *    A re-run removes a fresh database made by a crashed run and makes it again.
 * 3. `updating` → `ready` by compare-and-set, with the audit entry in the same commit.
 */
export async function runReset(deps: HandlerDeps, ctx: OperationContext): Promise<void> {
  const loaded = (await deps.store.environments.get(inputString(ctx.op, 'environmentId'))) ?? fail('NOT_FOUND', 'The environment no longer exists.');
  if (loaded.encryption.status !== 'updating') return; // finished before a crash
  const shredded = (e: Environment) => resetHasShredded({ mode: ctx.op.input.mode, dekDigest: inputString(ctx.op, 'dekDigest') }, e);
  let env: Environment = loaded;
  try {
    await ctx.reportProgress(0, 2);
    if (!shredded(env)) {
      await deps.dataPlane.detach(env.id, dekLoaderOf(deps.vault, env));
      if (ctx.lost) return;
      await shred(deps, env);
      env = (await deps.store.environments.get(env.id))!;
    }
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
    await finish(deps, ctx, env);
    await ctx.reportProgress(2, 2);
  } catch (error) {
    // Before the shred a refusal puts the environment back as it was; after it there is no way
    // back (the old DEK is gone), so the remaining steps are retried until they are done. The
    // record decides which side we are on (not a variable: the commit may have happened just
    // before a failure); when it cannot be read, retrying is the safe side.
    const now = await deps.store.environments.get(env.id).catch(() => undefined);
    const past = now === undefined || shredded(now);
    if (isFinalRefusal(error) && !past) await deps.store.environments.moveStatus(env.id, ['updating'], 'ready');
    throw past ? retryable(error) : asRetryable(error);
  }
}

async function shred(deps: HandlerDeps, env: Environment): Promise<void> {
  const dek = randomBytes(DEK_BYTES);
  let wrappedDek: string;
  try {
    wrappedDek = await wrapDekWithProviderKey(deps.vault, dek, env.id);
  } finally {
    dek.fill(0);
  }
  const done = await deps.store.transaction(async (tx) => {
    if (!(await tx.environments.swapProtection(env.id, env.wrappedDek, { wrappedDek, mode: 'provider', keyId: null, status: 'updating' })))
      return false;
    await tx.backups.deleteByEnvironment(env.id);
    return true;
  });
  if (!done) throw new Error('The environment changed while it was being reset; retrying.');
}

async function finish(deps: HandlerDeps, ctx: OperationContext, env: Environment): Promise<void> {
  await deps.store.transaction(async (tx) => {
    if (!(await tx.environments.moveStatus(env.id, ['updating'], 'ready'))) return;
    // A fresh database has no tables, so no file columns: R2's "never goes back" is about a
    // database's life, and this is a new one.
    const current = (await tx.environments.get(env.id))!;
    if (current.hasFileColumns) await tx.environments.update({ ...current, hasFileColumns: false });
    await tx.audit.append({
      tenantId: env.tenantId,
      at: deps.clock.now(),
      actor: operationActor(ctx.op),
      action: 'environment.reset',
      target: `environment:${env.id}`,
      outcome: 'succeeded',
      detail: `data and backups shredded; new data key under the provider key; operation ${ctx.op.id}`,
    });
  });
}

/** The runner retries anything that is not a KeywardError (handler-deps.ts). */
const retryable = (error: unknown): unknown => (isKeywardError(error) ? new Error(error.detail, { cause: error }) : error);
