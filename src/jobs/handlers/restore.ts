import { fail } from '../../domain/errors.js';
import type { Environment } from '../../domain/environment.js';
import { assertNotLocked, assertSameProtector, dekLoaderOf } from '../../app/backups/database-access.js';
import type { OperationContext } from '../operation-handler.js';
import { asRetryable, inputString, isFinalRefusal, operationActor, type HandlerDeps } from './handler-deps.js';

/**
 * R16 restore and R17 copy: the target's database is replaced by a backup of the source, or by
 * a copy of the source's live database, re-keyed to the target's own DEK (data plane). The
 * target has been `updating` since the request, so nothing reads or writes it meanwhile.
 *
 * Idempotent: the replacement itself can run again at any point (it rebuilds its scratch copy
 * and renames it over the target once more), and the last step is a compare-and-set from
 * `updating` to `ready` that commits with the audit entry, so a re-run after it stops at once.
 * A final refusal (the source was deleted, locked or moved to another key since the request)
 * puts the target back to `ready` with its old data, so it is never left unusable.
 */
export async function replaceDatabase(deps: HandlerDeps, ctx: OperationContext, backupId: string | undefined): Promise<void> {
  const target =
    (await deps.store.environments.get(inputString(ctx.op, 'environmentId'))) ?? fail('NOT_FOUND', 'The target environment no longer exists.');
  if (target.encryption.status !== 'updating') return; // finished before a crash
  try {
    await ctx.reportProgress(0, 1);
    const source = await loadSource(deps, ctx, target);
    if (backupId !== undefined && (await deps.store.backups.get(backupId))?.environmentId !== source.id) {
      fail('NOT_FOUND', `The backup ${backupId} no longer exists (the source environment was reset or deleted).`);
    }
    const from = { environmentId: source.id, loadDek: dekLoaderOf(deps.vault, source), ...(backupId === undefined ? {} : { backupId }) };
    await deps.dataPlane.restoreInto(target.id, dekLoaderOf(deps.vault, target), from, () => !ctx.lost);
    if (ctx.lost) return;
    await deps.store.transaction(async (tx) => {
      if (!(await tx.environments.moveStatus(target.id, ['updating'], 'ready'))) return;
      // R2 follows the data: table definitions came with it, file columns included.
      if (source.hasFileColumns && !target.hasFileColumns) {
        const current = (await tx.environments.get(target.id))!;
        await tx.environments.update({ ...current, hasFileColumns: true });
      }
      await tx.audit.append({
        tenantId: target.tenantId,
        at: deps.clock.now(),
        actor: operationActor(ctx.op),
        action: `environment.${ctx.op.type}`,
        target: `environment:${target.id}`,
        outcome: 'succeeded',
        detail: `from environment:${source.id}${backupId === undefined ? '' : ` backup ${backupId}`}; operation ${ctx.op.id}`,
      });
    });
    await ctx.reportProgress(1, 1);
  } catch (error) {
    if (isFinalRefusal(error)) await deps.store.environments.moveStatus(target.id, ['updating'], 'ready');
    throw asRetryable(error);
  }
}

/** The rules the request checked, again: the source is not ours to freeze while we work. */
async function loadSource(deps: HandlerDeps, ctx: OperationContext, target: Environment): Promise<Environment> {
  const sourceId = inputString(ctx.op, 'sourceEnvironmentId');
  const source = sourceId === target.id ? target : await deps.store.environments.get(sourceId);
  if (!source || source.encryption.status === 'deleted') fail('NOT_FOUND', 'The source environment was deleted meanwhile.');
  assertNotLocked(source!, 'source');
  assertSameProtector(source!, target);
  if (source!.id !== target.id && source!.encryption.status !== 'ready') {
    throw new Error(`The source environment is ${source!.encryption.status}; retrying when it is ready.`);
  }
  return source!;
}

export const runRestore = (deps: HandlerDeps, ctx: OperationContext): Promise<void> => replaceDatabase(deps, ctx, inputString(ctx.op, 'backupId'));
