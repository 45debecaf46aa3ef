import type { MariaDbEngine } from '../../domain/engine.js';
import type { Environment } from '../../domain/environment.js';
import { asRetryable, isFinalRefusal, type OperationContext } from '../../jobs/operation-handler.js';
import type { Repos } from '../../ports/store.js';
import type { AppDeps } from '../deps.js';
import { recordAudit } from '../audit.js';
import { inRegion } from '../region.js';
import { rewrapFor, type Protector } from './rewrap.js';

/**
 * SPEC E3, apply and return for an environment on an external engine: the DEK is only
 * rewrapped for the new protector, in one compare-and-set under the region's serial lock with
 * the audit entry; the engine keeps running and keeps fetching the same key bytes (they derive
 * from the DEK), and nothing restarts. Its keys are served throughout (`updating` included).
 *
 * SPEC L4 (a fresh DEK at every change of protection) does not hold for engines, by necessity:
 * MariaDB's redo log keeps the key version it was created with for the life of the data
 * directory (and each binary log the version it began with), so keys derived from the old DEK
 * would have to stay servable for ever, and a fresh DEK would retire nothing. What a change of
 * protection does give an engine environment is the new protector: once its DEK is under the
 * tenant key, a lock of the tenant key shreds every key the engine can ever get.
 */
export async function rewrapEngineProtection(
  deps: AppDeps,
  ctx: OperationContext<'apply-tenant-key' | 'return-to-provider'>,
  env: Environment & { engine: MariaDbEngine },
  target: (tx: Pick<Repos, 'keys'>) => Promise<Protector>,
): Promise<void> {
  try {
    await ctx.reportProgress(0, 1);
    const change = await rewrapFor(deps.vault, env, await target(deps.store));
    if (ctx.lost) return;
    await inRegion(deps, env.tenantId, env.region, async (tx) => {
      await target(tx); // the key may have left Active meanwhile: refused then, as for embedded environments
      deps.faults.reach('protection.before-commit');
      if (!(await tx.environments.swapProtection(env.id, env.wrappedDek, change, 'end-update'))) {
        throw new Error('The environment changed while its key was being changed; retrying.');
      }
      await recordAudit(tx, deps, {
        tenantId: env.tenantId,
        action: `environment.${ctx.op.type}`,
        target: `environment:${env.id}`,
        actor: ctx.op.input.actor,
        outcome: 'succeeded',
        detail: `data key rewrapped only: the engine keeps running on the same keys (SPEC E3); operation ${ctx.op.id}`,
      });
    });
    await ctx.reportProgress(1, 1);
  } catch (error) {
    if (isFinalRefusal(error)) {
      await deps.store.environments.moveStatus(env.id, 'end-update');
      throw error;
    }
    throw asRetryable(error);
  }
}
