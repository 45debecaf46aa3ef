import { fail } from '../../domain/errors.js';
import { mayHoldPrivateHalf, moveKey, type TenantKey } from '../../domain/tenant-key.js';
import type { OperationContext } from '../../jobs/operation-handler.js';
import type { AppDeps } from '../deps.js';
import { recordAudit } from '../audit.js';
import { inRegion } from '../region.js';
import { describeEngineLock, engineFailureDetail, engineLockResult, stopEnginesOfLock } from '../engines/stop-engines.js';

/**
 * The run half of R13: crypto-shredding, complete (SPEC L4). Every private key of the region is
 * destroyed, whatever its state (Active, Available, Installing, Failed, and any custody that
 * never finished), as is every key-exchange key of the region; and not only the keys the records
 * name: the vault's own search is compared with the records, and whatever it holds of the region
 * (or that no record owns at all) goes too. The search is repeated afterwards to prove nothing is
 * left. Only then, in one unit of work under the region's serial lock, do the records follow:
 * the active key Locked (public half and thumbprint kept), the others Deleted, the exchange keys
 * Destroyed, the region's `locking` environments `locked`, and the audit entry.
 *
 * From the lock's request on, the region counts as locked (R9), so no custody of the region can
 * begin: the final unit of work checks that none did all the same, and a re-run would destroy it.
 * Idempotent: a re-run destroys what is left and finds the records already moved.
 *
 * External engines first (SPEC E4, engines/stop-engines.ts): each is stopped while its keys are
 * still served and confirmed down before anything is destroyed; the result reports, per engine
 * environment, how long after the lock's start it was down. One that cannot be stopped does not
 * stop the lock: the keys are destroyed all the same, and the operation then fails naming it.
 */
export async function runLockTenant(deps: AppDeps, ctx: OperationContext<'lock-tenant'>): Promise<void> {
  const { tenantId } = ctx.op;
  const { region } = ctx.op.input;
  const lockedAt = ctx.op.createdAt;
  const envs = (await deps.store.environments.listByRegion(tenantId, region)).filter((e) => e.encryption.mode === 'tenant');
  const total = envs.filter((e) => e.encryption.status === 'locking' || e.encryption.status === 'locked').length;
  await ctx.reportProgress(0, total);

  const engines = await stopEnginesOfLock(deps, ctx, envs);
  deps.faults.reach('lock.after-engine-stops');
  if (ctx.lost) return;

  for (const env of envs) evict(deps, env.id);
  const inCustody = new Set((await deps.store.keys.listByTenant(tenantId, region)).filter((k) => mayHoldPrivateHalf(k.state)).map((k) => k.id));
  for (const handle of await handlesToDestroy(deps, tenantId, region)) await deps.vault.destroyPrivateKey(handle);
  deps.faults.reach('lock.after-vault-destroy');
  const left = await heldOfRegion(deps, tenantId, region);
  if (left.length > 0) throw new Error(`The vault still holds ${left.length} key(s) of the region after they were destroyed; retrying the lock.`);
  if (ctx.lost) return;

  const outcome = await inRegion(deps, tenantId, region, async (tx) => {
    const keys = await tx.keys.listByTenant(tenantId, region);
    const custody = keys.filter((k) => mayHoldPrivateHalf(k.state));
    const undestroyed = custody.filter((k) => !inCustody.has(k.id));
    if (undestroyed.length > 0) throw new Error(`${undestroyed.length} key(s) of the region appeared while it was being locked; retrying the lock.`);
    for (const key of custody) await tx.keys.update(lockedOrDeleted(key, lockedAt));
    let exchangeKeys = 0;
    for (const xk of await tx.exchangeKeys.listLive(tenantId, region)) if (await tx.exchangeKeys.move(xk.id, xk.state, 'Destroyed')) exchangeKeys++;
    const locked = await tx.environments.moveRegionStatus(tenantId, region, 'end-lock', lockedAt);
    deps.faults.reach('lock.before-finish');
    // A re-run after this commit finds nothing in custody and nothing locking: already recorded.
    if (custody.length === 0 && locked === 0 && exchangeKeys === 0) return undefined;
    await recordAudit(tx, deps, {
      tenantId,
      action: 'tenant.lock',
      target: `region:${region}`,
      actor: ctx.op.input.actor,
      // The keys are gone either way; `failed` when an engine could not be stopped, as the operation.
      outcome: engines.failures.length > 0 ? 'failed' : 'succeeded',
      detail: `${custody.length} key(s) and ${exchangeKeys} key-exchange key(s) destroyed; ${locked} environment(s) locked${describeEngineLock(engines)}; operation ${ctx.op.id}`,
    });
    return { keysDestroyed: custody.length, exchangeKeysDestroyed: exchangeKeys, environmentsLocked: locked };
  });
  // Handles opened by a request that slipped in between the evictions above and the commit.
  for (const env of envs) evict(deps, env.id);
  if (outcome || engines.environments.length > 0) {
    ctx.setResult({ ...outcome, ...engineLockResult(engines), ...(outcome ? { masterKey: await rotateMasterKeyAfterLock(deps) } : {}) });
  }
  await ctx.reportProgress(total, total);
  if (engines.failures.length > 0) fail('CONFLICT', engineFailureDetail(engines));
}

/** This process lets go of every key of the environment it holds: open database, engine DEK. */
function evict(deps: AppDeps, environmentId: string): void {
  deps.dataPlane.evict(environmentId);
  deps.engines.deks.drop(environmentId);
}

/**
 * After the keys are gone: the software vault's master key is rotated too (unless turned off), so
 * copies of the control store made before the lock, which hold the destroyed keys sealed under the
 * old master key, no longer open with the key in use (the README says what this does not cover).
 * A rotation that cannot happen is reported, never a reason to fail the lock.
 */
async function rotateMasterKeyAfterLock(deps: AppDeps): Promise<string> {
  if (!deps.lockRotatesMasterKey || deps.vault.rotateMasterKey === undefined) return 'not rotated (not the software vault, or turned off)';
  try {
    const rotation = await deps.vault.rotateMasterKey();
    return rotation.rotated ? `rotated (now ${rotation.fingerprint})` : `not rotated: ${rotation.reason}`;
  } catch (error) {
    return `not rotated: ${error instanceof Error ? error.message : String(error)}`;
  }
}

const lockedOrDeleted = (key: TenantKey, lockedAt: Date): TenantKey => {
  if (key.state === 'Active') return moveKey(key, 'Locked', { lockedAt, custodySince: null });
  if (key.state === 'Restoring') return moveKey(key, 'Locked', { custodySince: null });
  return moveKey(key, 'Deleted', { custodySince: null });
};

/**
 * What the vault holds, by its own search, that a lock of the region must destroy: every handle
 * whose record is a tenant key or exchange key of this region (any state: after the lock none of
 * them keeps a private half), and every handle no record owns at all (an orphan, which nobody may
 * use; records are made before any vault object, so nothing live is ever without one).
 */
async function heldOfRegion(deps: AppDeps, tenantId: string, region: string): Promise<string[]> {
  const held: string[] = [];
  for (const handle of await deps.vault.listPrivateKeys()) {
    const owner = (await deps.store.keys.get(handle)) ?? (await deps.store.exchangeKeys.get(handle));
    if (owner === undefined || (owner.tenantId === tenantId && owner.region === region)) held.push(handle);
  }
  return held;
}

/** The vault's own search, plus every handle the region's records name (destroying an absent handle is a no-op). */
async function handlesToDestroy(deps: AppDeps, tenantId: string, region: string): Promise<Set<string>> {
  const doomed = new Set(await heldOfRegion(deps, tenantId, region));
  for (const key of await deps.store.keys.listByTenant(tenantId, region)) if (mayHoldPrivateHalf(key.state)) doomed.add(key.id);
  for (const xk of await deps.store.exchangeKeys.listLive(tenantId, region)) doomed.add(xk.id);
  return doomed;
}
