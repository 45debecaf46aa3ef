import { assertEmbedded } from '../../domain/engine.js';
import { assertNotLocked, assertReady, type Environment } from '../../domain/environment.js';
import { fail } from '../../domain/errors.js';
import type { OperationOf } from '../../domain/operation.js';
import type { Principal } from '../../domain/principal.js';
import type { Repos } from '../../ports/store.js';
import type { AppDeps } from '../deps.js';
import { actorLabel, recordAudit } from '../audit.js';
import { assertNoClashingOperation } from '../operations/conflicts.js';
import { queueOperation } from '../operations/queue-operation.js';
import { inRegions } from '../region.js';
import { assertSameProtector, loadEnvironmentForDatabase } from './database-access.js';

type Replacement = { type: 'restore'; backupId: string } | { type: 'copy' };

/**
 * The shared second half of a restore (R16) or copy (R17) request, in one unit of work under the
 * serial locks of both environments' regions (L1): both are read again there, the rules checked
 * in the order a caller can act on them (locks first: nothing else matters while one side is
 * locked), then the target goes `updating` (its data answers 503) and the operation is queued
 * with the audit entry. The handler re-checks what may change meanwhile.
 */
export async function queueReplacement(
  deps: AppDeps,
  actor: Principal,
  targetId: string,
  sourceId: string,
  replacement: Replacement,
  check: (tx: Repos, source: Environment, target: Environment) => Promise<void> = () => Promise.resolve(),
): Promise<OperationOf<'restore'> | OperationOf<'copy'>> {
  const target = await loadEnvironmentForDatabase(deps.store, actor, targetId);
  const source = sourceId === targetId ? target : await loadEnvironmentForDatabase(deps.store, actor, sourceId);
  return inRegions(deps, target.tenantId, [target.region, source.region], async (tx) => {
    const t = await loadEnvironmentForDatabase(tx, actor, targetId);
    const s = sourceId === targetId ? t : await loadEnvironmentForDatabase(tx, actor, sourceId);
    assertEmbedded(s, 'restores and copies');
    assertEmbedded(t, 'restores and copies');
    await check(tx, s, t);
    assertNotLocked(s, 'source');
    assertNotLocked(t, 'target');
    assertSameProtector(s, t);
    assertReady(s, 'source');
    assertReady(t, 'target');
    const touched = [...new Set([s.id, t.id])];
    for (const region of new Set([s.region, t.region])) await assertNoClashingOperation(tx, t.tenantId, region, { environments: touched });
    if (!(await tx.environments.moveStatus(t.id, 'begin-update'))) fail('CONFLICT', 'The target environment changed meanwhile; try again.');
    const common = { environmentId: t.id, sourceEnvironmentId: s.id, region: t.region, actor: actorLabel(actor) };
    const operation =
      replacement.type === 'restore'
        ? await queueOperation(tx, deps, t.tenantId, 'restore', { ...common, backupId: replacement.backupId })
        : await queueOperation(tx, deps, t.tenantId, 'copy', common);
    const from = `environment:${s.id}${replacement.type === 'restore' ? ` backup ${replacement.backupId}` : ''}`;
    await recordAudit(tx, deps, {
      tenantId: t.tenantId,
      action: `environment.${replacement.type}`,
      target: `environment:${t.id}`,
      actor,
      outcome: 'allowed',
      detail: `from ${from}; operation ${operation.id}`,
    });
    return operation;
  });
}
