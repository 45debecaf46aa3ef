import { fail } from '../../domain/errors.js';
import { assertActivationAllowed, assertNoLockedEnvironments } from '../../domain/key-gates.js';
import type { Principal } from '../../domain/principal.js';
import { moveKey, type TenantKey } from '../../domain/tenant-key.js';
import type { Environment } from '../../domain/environment.js';
import type { OperationOf } from '../../domain/operation.js';
import { describeWrappedKey } from '../../crypto/envelope.js';
import type { OperationContext } from '../../jobs/operation-handler.js';
import { asRetryable, isFinalRefusal } from '../../jobs/operation-handler.js';
import type { Repos } from '../../ports/store.js';
import type { AppDeps } from '../deps.js';
import { actorLabel, audited, recordAudit } from '../audit.js';
import { rewrapAll } from '../encryption/rewrap.js';
import { queueKeyChangeNotification } from '../notify/queue-key-change.js';
import { assertNoClashingOperation } from '../operations/conflicts.js';
import { queueOperation } from '../operations/queue-operation.js';
import { inRegion } from '../region.js';
import { assertRiskAcknowledged, keyAttempt, loadKeyOfTenant, loadKeyTenant } from './key-access.js';

/** When a key was last activated in a region: what the 24 h gate (R8) counts from. */
export async function lastActivation(repos: Pick<Repos, 'keys'>, tenantId: string, region: string): Promise<Date | null> {
  const times = (await repos.keys.listByTenant(tenantId, region)).map((k) => k.activatedAt?.getTime() ?? 0);
  const latest = Math.max(0, ...times);
  return latest === 0 ? null : new Date(latest);
}

/**
 * R7: the key goes Installing; the activation operation rewraps every tenant-key DEK of the
 * region under it (no downtime: data stays readable throughout), then makes it Active and the
 * previous key Available. Checked and queued under the region's serial lock (L1).
 */
export function activateKey(
  deps: AppDeps,
  actor: Principal,
  tenantId: string,
  keyId: string,
  acknowledgeRisk: boolean | undefined,
): Promise<{ key: TenantKey; operation: OperationOf<'activate-key'> }> {
  return audited(deps, actor, keyAttempt(deps, tenantId, 'key.activate', `key:${keyId}`), async () => {
    const tenant = await loadKeyTenant(deps.store, actor, tenantId);
    assertRiskAcknowledged(acknowledgeRisk);
    const region = (await loadKeyOfTenant(deps.store, tenantId, keyId)).region;
    const result = await inRegion(deps, tenantId, region, async (tx) => {
      const key = await loadKeyOfTenant(tx, tenantId, keyId);
      if (key.state !== 'Available') fail('CONFLICT', `Key "${key.name}" is ${key.state}; only an Available key can be activated.`);
      assertNoLockedEnvironments(await tx.environments.countLocked(tenantId));
      await assertNoClashingOperation(tx, tenantId, region, { regionWide: true });
      const now = deps.clock.now();
      assertActivationAllowed(await lastActivation(tx, tenantId, region), now);
      const installing = moveKey(key, 'Installing');
      await tx.keys.update(installing);
      const operation = await queueOperation(tx, deps, tenantId, 'activate-key', { keyId, region, actor: actorLabel(actor) });
      await recordAudit(tx, deps, {
        tenantId,
        action: 'key.activate',
        target: `key:${keyId}`,
        actor,
        outcome: 'allowed',
        detail: `operation ${operation.id}`,
      });
      await queueKeyChangeNotification(tx, {
        tenantId,
        idempotencyKey: `${operation.id}:activated`,
        tenantName: tenant.name,
        actor: actorLabel(actor),
        action: 'activated',
        keyName: key.name,
        thumbprint: key.thumbprint,
        region,
        at: now,
      });
      return { key: installing, operation };
    });
    deps.kick.operations();
    deps.kick.notifications();
    return result;
  });
}

/** Rewraps per transaction: one commit (one fsync) per batch rather than per environment. */
const BATCH = 250;
const MAX_PASSES = 5;

const needsRewrap = (env: Environment, key: TenantKey) =>
  env.encryption.mode === 'tenant' && env.encryption.status !== 'deleted' && describeWrappedKey(env.wrappedDek).keyRef !== key.thumbprint;

async function tenantEnvironmentsOfRegion(deps: AppDeps, key: TenantKey): Promise<Environment[]> {
  return (await deps.store.environments.listByRegion(key.tenantId, key.region)).filter((e) => e.encryption.mode === 'tenant');
}

/**
 * The run half of R7: every tenant-key DEK of the region is rewrapped under the new key, each by
 * a compare-and-set on the wrapped DEK it read, so a second run (after a crash) skips what is
 * done and a racing writer is never overwritten. Then, in one unit of work under the region's
 * lock, the new key becomes Active, the previous one Available, and the audit entry commits.
 */
export async function runActivateKey(deps: AppDeps, ctx: OperationContext<'activate-key'>): Promise<void> {
  const { keyId } = ctx.op.input;
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
        deps.faults.reach('activate.after-rewrap-batch');
        done += swapped;
        await ctx.reportProgress(done, all.length);
      }
    }
    if (ctx.lost) return;
    const left = (await tenantEnvironmentsOfRegion(deps, key)).filter((e) => needsRewrap(e, key));
    // Left: DEKs the vault failed to unwrap in every pass, or environments changed meanwhile.
    // A plain error, so the runner retries later and the activation resumes from here.
    if (left.length > 0) throw new Error(`${left.length} environment(s) could not be rewrapped yet; retrying the activation.`);
    deps.faults.reach('activate.before-finish');
    await finishActivation(deps, ctx, key);
  } catch (error) {
    if (isFinalRefusal(error)) await giveUpActivation(deps, ctx.op, error.detail);
    throw asRetryable(error);
  }
}

async function finishActivation(deps: AppDeps, ctx: OperationContext<'activate-key'>, key: TenantKey): Promise<void> {
  const now = deps.clock.now();
  await inRegion(deps, key.tenantId, key.region, async (tx) => {
    const current = await tx.keys.get(key.id);
    if (current?.state !== 'Installing') return;
    // The previous key first: one Active key per region is a unique index.
    for (const other of await tx.keys.listByTenant(key.tenantId, key.region)) {
      if (other.state === 'Active' && other.id !== key.id) await tx.keys.update(moveKey(other, 'Available'));
    }
    await tx.keys.update(moveKey(current, 'Active', { activatedAt: now, lockedAt: null, failureReason: null }));
    await recordAudit(tx, deps, {
      tenantId: key.tenantId,
      action: 'key.activate',
      target: `key:${key.id}`,
      actor: ctx.op.input.actor,
      outcome: 'succeeded',
      detail: `operation ${ctx.op.id}`,
    });
  });
}

/**
 * An activation that cannot finish (refused, or given up by the runner) leaves its key Failed
 * with the reason, never Installing for ever (SPEC L4: a lock destroys Failed keys too, and some
 * environments may already be wrapped under it). Environments already moved to it stay readable
 * through it until another key is activated.
 */
export async function giveUpActivation(deps: AppDeps, op: OperationOf<'activate-key'>, reason: string): Promise<void> {
  const { keyId, region } = op.input;
  await inRegion(deps, op.tenantId, region, async (tx) => {
    const current = await tx.keys.get(keyId);
    if (current?.state !== 'Installing') return;
    await tx.keys.update(moveKey(current, 'Failed', { failureReason: reason }));
    await recordAudit(tx, deps, {
      tenantId: op.tenantId,
      action: 'key.activate',
      target: `key:${keyId}`,
      actor: op.input.actor,
      outcome: 'failed',
      detail: reason,
    });
  });
}
