import { moveKey } from '../../domain/tenant-key.js';
import type { OperationContext } from '../operation-handler.js';
import { inputString, operationActor, type HandlerDeps } from './handler-deps.js';

/**
 * R13: crypto-shredding. First every Active and Available private key of the region is
 * destroyed in the vault (idempotent, so a re-run after a crash destroys what is left); then,
 * in one unit of work, the active key's record becomes Locked (public half and thumbprint kept)
 * and the others Deleted; then all the region's `locking` environments become `locked` in one
 * statement. From the first step on, nothing the server holds can unwrap their DEKs.
 */
export async function runLockTenant(deps: HandlerDeps, ctx: OperationContext): Promise<void> {
  const { tenantId } = ctx.op;
  const region = inputString(ctx.op, 'region');
  const lockedAt = ctx.op.createdAt;
  const keys = (await deps.store.keys.listByTenant(tenantId, region)).filter((k) => k.state === 'Active' || k.state === 'Available');
  const envs = (await deps.store.environments.listByTenant(tenantId)).filter((e) => e.region === region && e.encryption.mode === 'tenant');
  const total = envs.filter((e) => e.encryption.status === 'locking' || e.encryption.status === 'locked').length;
  await ctx.reportProgress(0, total);

  for (const env of envs) deps.dataPlane.evict(env.id);
  for (const key of keys) await deps.vault.destroyPrivateKey(key.id);
  if (ctx.lost) return;

  const now = deps.clock.now();
  await deps.store.transaction(async (tx) => {
    let changed = 0;
    for (const key of await tx.keys.listByTenant(tenantId, region)) {
      if (key.state === 'Active') await tx.keys.update(moveKey(key, 'Locked', { lockedAt }));
      else if (key.state === 'Available') await tx.keys.update(moveKey(key, 'Deleted'));
      else continue;
      changed++;
    }
    changed += await tx.environments.moveRegionStatus(tenantId, region, ['locking'], 'locked', lockedAt);
    if (changed === 0) return; // a re-run after this commit: already recorded
    await tx.audit.append({
      tenantId,
      at: now,
      actor: operationActor(ctx.op),
      action: 'tenant.lock',
      target: `region:${region}`,
      outcome: 'succeeded',
      detail: `${keys.length} key(s) destroyed; ${total} environment(s) locked; operation ${ctx.op.id}`,
    });
  });
  // Handles opened by a request that slipped in between the evictions above and the commit.
  for (const env of envs) deps.dataPlane.evict(env.id);
  await ctx.reportProgress(total, total);
}
