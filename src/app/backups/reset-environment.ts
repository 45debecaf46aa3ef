import { createHash } from 'node:crypto';
import type { Environment } from '../../domain/environment.js';
import { fail } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import type { Operation } from '../../domain/operation.js';
import type { AppDeps } from '../deps.js';
import { actorLabel, audited, auditSuccess } from '../attempts.js';
import { environmentAttempt } from '../encryption/encryption-access.js';
import { queueOperation } from '../keys/key-access.js';
import { assertNoDatabaseOperation, assertNotLocked, assertReady, loadEnvironmentForDatabase } from './database-access.js';

/**
 * Names the wrapped DEK an environment had when its reset was asked for, without copying it
 * into the operation's input (a digest: no wrapped key in the operations table).
 */
export const wrappedDekDigest = (wrappedDek: string): string => createHash('sha256').update(wrappedDek, 'utf8').digest('hex');

/**
 * Whether the reset's shredding step has committed, from the record alone (a re-run after a
 * crash must never shred the new DEK). A tenant-key environment can have its DEK rewrapped by a
 * key activation while it is `updating` (R7 rewraps every tenant-key environment of the
 * region), so for it the sign is the move to the provider key, which nothing else does to an
 * `updating` environment; a provider-key environment's wrapped DEK changes only by the shred.
 */
export function resetHasShredded(input: { mode: unknown; dekDigest: unknown }, env: Environment): boolean {
  if (input.mode === 'tenant') return env.encryption.mode === 'provider';
  return wrappedDekDigest(env.wrappedDek) !== input.dekDigest;
}

/**
 * R18: resets an environment: its data and all its backups are crypto-shredded (its DEK is
 * replaced and the files removed) and it starts again empty, under a new DEK, on the provider
 * key. A locked environment is refused: a lock means nothing happens to the data until the
 * key holder acts (unlock it, or delete it; the 28-day purge deletes it otherwise).
 */
export function resetEnvironment(deps: AppDeps, actor: Principal, environmentId: string): Promise<{ operation: Operation }> {
  return audited(deps, actor, environmentAttempt(deps, environmentId, 'environment.reset'), async () => {
    const operation = await deps.store.transaction(async (tx) => {
      const env = await loadEnvironmentForDatabase(tx, actor, environmentId);
      assertNotLocked(env, 'environment');
      assertReady(env, 'environment');
      await assertNoDatabaseOperation(tx, env.tenantId, [env]);
      if (!(await tx.environments.moveStatus(env.id, ['ready'], 'updating'))) fail('CONFLICT', 'The environment changed meanwhile; try again.');
      const op = await queueOperation(tx, deps, env.tenantId, 'reset', {
        environmentId: env.id,
        region: env.region,
        mode: env.encryption.mode,
        dekDigest: wrappedDekDigest(env.wrappedDek),
        actor: actorLabel(actor),
      });
      await auditSuccess(
        tx,
        deps,
        actor,
        { tenantId: env.tenantId, action: 'environment.reset', target: `environment:${env.id}` },
        `operation ${op.id}`,
      );
      return op;
    });
    deps.kick.operations();
    return { operation };
  });
}
