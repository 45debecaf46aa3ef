import { fail } from '../../domain/errors.js';
import { moveKey } from '../../domain/tenant-key.js';
import type { OperationContext } from '../operation-handler.js';
import { inputString, operationActor, type HandlerDeps } from './handler-deps.js';

/** R15: the returned key (already back in the vault) goes Installing → Active. */
export async function runUnlockKey(deps: HandlerDeps, ctx: OperationContext): Promise<void> {
  const keyId = inputString(ctx.op, 'keyId');
  const key = (await deps.store.keys.get(keyId)) ?? fail('NOT_FOUND', 'The key being unlocked no longer exists.');
  if (key.state === 'Active') return;
  if (key.state !== 'Installing') fail('CONFLICT', `The key is ${key.state}; the unlock cannot finish.`);
  if (!(await deps.vault.hasPrivateKey(key.id))) throw new Error('The vault does not hold the returned key yet; retrying.');
  const now = deps.clock.now();
  await deps.store.transaction(async (tx) => {
    const others = (await tx.keys.listByTenant(key.tenantId, key.region)).filter((k) => k.state === 'Active' && k.id !== key.id);
    if (others.length > 0) fail('CONFLICT', `Region ${key.region} has another active key now; this key cannot become active.`);
    await tx.keys.update(moveKey(key, 'Active', { activatedAt: now, lockedAt: null }));
    await tx.audit.append({
      tenantId: key.tenantId,
      at: now,
      actor: operationActor(ctx.op),
      action: 'key.unlock',
      target: `key:${key.id}`,
      outcome: 'succeeded',
      detail: `operation ${ctx.op.id}`,
    });
  });
}
