import { fail } from '../../domain/errors.js';
import { moveKey, type TenantKey } from '../../domain/tenant-key.js';
import type { Environment } from '../../domain/environment.js';
import { describeWrappedKey } from '../../crypto/envelope.js';
import type { OperationContext } from '../operation-handler.js';
import { asRetryable, inputString, isFinalRefusal, operationActor, type HandlerDeps } from './handler-deps.js';
import { rewrapAll } from './rewrap.js';

/** Rewraps per transaction: one commit (one fsync) per batch rather than per environment. */
const BATCH = 250;
const MAX_PASSES = 5;

const needsRewrap = (env: Environment, key: TenantKey) =>
  env.encryption.mode === 'tenant' && env.encryption.status !== 'deleted' && describeWrappedKey(env.wrappedDek).keyRef !== key.thumbprint;

async function tenantEnvironmentsOfRegion(deps: HandlerDeps, key: TenantKey): Promise<Environment[]> {
  return (await deps.store.environments.listByTenant(key.tenantId)).filter((e) => e.region === key.region && e.encryption.mode === 'tenant');
}

/**
 * R7: every tenant-key DEK of the region is rewrapped under the new key, each by a
 * compare-and-set on the wrapped DEK it read, so a second run (after a crash) skips what is
 * done and a racing writer is never overwritten. Then, in one unit of work, the new key
 * becomes Active and the previous one Available. Data stays readable throughout.
 */
export async function runActivateKey(deps: HandlerDeps, ctx: OperationContext): Promise<void> {
  const keyId = inputString(ctx.op, 'keyId');
  const key = (await deps.store.keys.get(keyId)) ?? fail('NOT_FOUND', 'The key being activated no longer exists.');
  if (key.state === 'Active') return; // finished before a crash
  if (key.state !== 'Installing') fail('CONFLICT', `The key is ${key.state}; the activation cannot finish.`);
  try {
    for (let pass = 0; pass < MAX_PASSES && !ctx.lost; pass++) {
      const all = await tenantEnvironmentsOfRegion(deps, key);
      const pending = all.filter((e) => needsRewrap(e, key));
      let done = all.length - pending.length;
      await ctx.reportProgress(done, all.length);
      if (pending.length === 0) break;
      for (let i = 0; i < pending.length && !ctx.lost; i += BATCH) {
        const batch = pending.slice(i, i + BATCH);
        const changes = await rewrapAll(deps.vault, batch, key);
        const swapped = await deps.store.transaction(async (tx) => {
          let n = 0;
          for (const [j, env] of batch.entries()) {
            const change = changes[j];
            if (change && (await tx.environments.swapProtection(env.id, env.wrappedDek, change))) n++;
          }
          return n;
        });
        done += swapped;
        await ctx.reportProgress(done, all.length);
      }
    }
    if (ctx.lost) return;
    const left = (await tenantEnvironmentsOfRegion(deps, key)).filter((e) => needsRewrap(e, key));
    // Left: DEKs the vault failed to unwrap in every pass, or environments changed meanwhile.
    // A plain error, so the runner retries later and the activation resumes from here.
    if (left.length > 0) throw new Error(`${left.length} environment(s) could not be rewrapped yet; retrying the activation.`);
    await finishActivation(deps, ctx, key);
  } catch (error) {
    if (isFinalRefusal(error)) await markFailed(deps, key, error.detail);
    throw asRetryable(error);
  }
}

async function finishActivation(deps: HandlerDeps, ctx: OperationContext, key: TenantKey): Promise<void> {
  const now = deps.clock.now();
  await deps.store.transaction(async (tx) => {
    const current = await tx.keys.get(key.id);
    if (current?.state !== 'Installing') return;
    // The previous key first: one Active key per region is a unique index.
    for (const other of await tx.keys.listByTenant(key.tenantId, key.region)) {
      if (other.state === 'Active' && other.id !== key.id) await tx.keys.update(moveKey(other, 'Available'));
    }
    await tx.keys.update(moveKey(current, 'Active', { activatedAt: now, lockedAt: null, failureReason: null }));
    await tx.audit.append({
      tenantId: key.tenantId,
      at: now,
      actor: operationActor(ctx.op),
      action: 'key.activate',
      target: `key:${key.id}`,
      outcome: 'succeeded',
      detail: `operation ${ctx.op.id}`,
    });
  });
}

async function markFailed(deps: HandlerDeps, key: TenantKey, reason: string): Promise<void> {
  const current = await deps.store.keys.get(key.id);
  if (current?.state === 'Installing') await deps.store.keys.update(moveKey(current, 'Failed', { failureReason: reason }));
}
