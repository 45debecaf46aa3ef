import { fail } from '../../domain/errors.js';
import type { EncryptionStatus, Environment } from '../../domain/environment.js';
import { unwrapDek } from '../../crypto/envelope.js';
import type { OperationContext } from '../operation-handler.js';
import { asRetryable, inputString, isFinalRefusal, operationActor, type HandlerDeps } from './handler-deps.js';
import { rewrapFor, type Protector } from './rewrap.js';

/**
 * The three single-environment operations (R11 apply, R12 return, R15 unlock). Each is a
 * compare-and-set from the transitional status (`updating`, `unlocking`): a re-run after the
 * swap finds the environment already in its end state and stops. A final refusal puts the
 * environment back where it was, so it is never stuck unusable.
 */
async function loadTransitioning(deps: HandlerDeps, ctx: OperationContext, transitional: EncryptionStatus): Promise<Environment | undefined> {
  const env = (await deps.store.environments.get(inputString(ctx.op, 'environmentId'))) ?? fail('NOT_FOUND', 'The environment no longer exists.');
  if (env.encryption.status === 'deleted') fail('NOT_FOUND', 'The environment was deleted.');
  return env.encryption.status === transitional ? env : undefined;
}

async function settle(
  deps: HandlerDeps,
  ctx: OperationContext,
  env: Environment,
  from: EncryptionStatus,
  back: EncryptionStatus,
  work: () => Promise<void>,
): Promise<void> {
  try {
    await ctx.reportProgress(0, 1);
    await work();
    await deps.store.audit.append({
      tenantId: env.tenantId,
      at: deps.clock.now(),
      actor: operationActor(ctx.op),
      action: `environment.${ctx.op.type}`,
      target: `environment:${env.id}`,
      outcome: 'succeeded',
      detail: `operation ${ctx.op.id}`,
    });
    await ctx.reportProgress(1, 1);
  } catch (error) {
    if (isFinalRefusal(error)) await deps.store.environments.moveStatus(env.id, [from], back);
    throw asRetryable(error);
  }
}

async function moveProtection(deps: HandlerDeps, ctx: OperationContext, to: () => Promise<Protector>): Promise<void> {
  const env = await loadTransitioning(deps, ctx, 'updating');
  if (!env) return;
  await settle(deps, ctx, env, 'updating', 'ready', async () => {
    const change = await rewrapFor(deps.vault, env, await to(), 'ready');
    if (!(await deps.store.environments.swapProtection(env.id, env.wrappedDek, change))) {
      throw new Error('The environment changed while its key was being changed; retrying.');
    }
  });
}

export const runApplyTenantKey = (deps: HandlerDeps, ctx: OperationContext) =>
  moveProtection(deps, ctx, async () => {
    const key = (await deps.store.keys.get(inputString(ctx.op, 'keyId'))) ?? fail('NO_ACTIVE_KEY', 'The tenant key no longer exists.');
    if (key.state !== 'Active') fail('NO_ACTIVE_KEY', `The tenant key "${key.name}" is ${key.state} now; apply again with the active key.`);
    return { kind: 'tenant', key };
  });

export const runReturnToProvider = (deps: HandlerDeps, ctx: OperationContext) =>
  moveProtection(deps, ctx, () => Promise.resolve({ kind: 'provider' }));

/** Proves the DEK unwraps under the returned key before the data is served again. */
export async function runUnlockEnvironment(deps: HandlerDeps, ctx: OperationContext): Promise<void> {
  const env = await loadTransitioning(deps, ctx, 'unlocking');
  if (!env) return;
  await settle(deps, ctx, env, 'unlocking', 'locked', async () => {
    const dek = await unwrapDek(deps.vault, env.wrappedDek, env.id, env.encryption.keyId);
    dek.fill(0);
    if (!(await deps.store.environments.moveStatus(env.id, ['unlocking'], 'ready', null))) {
      throw new Error('The environment changed while being unlocked; retrying.');
    }
  });
}
