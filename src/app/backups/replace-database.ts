import { assertNotLocked, type Environment } from '../../domain/environment.js';
import { fail } from '../../domain/errors.js';
import { asRetryable, isFinalRefusal, type OperationContext } from '../../jobs/operation-handler.js';
import type { AppDeps } from '../deps.js';
import { recordAudit } from '../audit.js';
import { inRegion } from '../region.js';
import { assertSameProtector, dekLoaderOf } from './database-access.js';

/**
 * The run half of R16 restore and R17 copy: the target's database is replaced by a backup of the
 * source, or by a copy of the source's live database, re-keyed to the target's own DEK (data
 * plane). The target has been `updating` since the request, so nothing reads or writes it.
 *
 * Idempotent: the replacement itself can run again at any point (it rebuilds its scratch copy
 * and renames it over the target once more), and the last step is a compare-and-set from
 * `updating` to `ready` that commits with the audit entry, so a re-run after it stops at once.
 * A final refusal (the source was deleted, locked or moved to another key since the request)
 * puts the target back to `ready` with its old data, so it is never left unusable.
 */
export async function replaceDatabase(deps: AppDeps, ctx: OperationContext<'restore' | 'copy'>, backupId: string | undefined): Promise<void> {
  const target = (await deps.store.environments.get(ctx.op.input.environmentId)) ?? fail('NOT_FOUND', 'The target environment no longer exists.');
  if (target.encryption.status !== 'updating') return; // finished before a crash
  try {
    await ctx.reportProgress(0, 1);
    const source = await loadSource(deps, ctx.op.input.sourceEnvironmentId, target);
    if (backupId !== undefined && (await deps.store.backups.get(backupId))?.environmentId !== source.id) {
      fail('NOT_FOUND', `The backup ${backupId} no longer exists (the source environment was reset or deleted).`);
    }
    const from = { environmentId: source.id, loadDek: dekLoaderOf(deps.vault, source), ...(backupId === undefined ? {} : { backupId }) };
    await deps.dataPlane.restoreInto(target.id, dekLoaderOf(deps.vault, target), from, () => !ctx.lost);
    if (ctx.lost) return;
    deps.faults.reach('replace.after-files');
    await inRegion(deps, target.tenantId, target.region, async (tx) => {
      if (!(await tx.environments.moveStatus(target.id, 'end-update'))) return;
      // R2 follows the data: table definitions came with it, file columns included.
      if (source.hasFileColumns && !target.hasFileColumns) await tx.environments.setHasFileColumns(target.id, true);
      await recordAudit(tx, deps, {
        tenantId: target.tenantId,
        action: `environment.${ctx.op.type}`,
        target: `environment:${target.id}`,
        actor: ctx.op.input.actor,
        outcome: 'succeeded',
        detail: `from environment:${source.id}${backupId === undefined ? '' : ` backup ${backupId}`}; operation ${ctx.op.id}`,
      });
    });
    await ctx.reportProgress(1, 1);
  } catch (error) {
    if (isFinalRefusal(error)) await deps.store.environments.moveStatus(target.id, 'end-update');
    throw asRetryable(error);
  }
}

/** The rules the request checked, again: the source is not ours to freeze while we work. */
async function loadSource(deps: AppDeps, sourceId: string, target: Environment): Promise<Environment> {
  const source = sourceId === target.id ? target : await deps.store.environments.get(sourceId);
  if (!source || source.encryption.status === 'deleted') return fail('NOT_FOUND', 'The source environment was deleted meanwhile.');
  assertNotLocked(source, 'source');
  assertSameProtector(source, target);
  if (source.id !== target.id && source.encryption.status !== 'ready') {
    throw new Error(`The source environment is ${source.encryption.status}; retrying when it is ready.`);
  }
  return source;
}
