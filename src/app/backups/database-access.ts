import type { Environment } from '../../domain/environment.js';
import { fail } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import { unwrapDek } from '../../crypto/envelope.js';
import type { DekLoader } from '../../ports/data-plane.js';
import type { Repos } from '../../ports/store.js';
import type { Vault } from '../../ports/vault.js';
import { loadEnvironmentFor } from '../load.js';

/**
 * The rules every database operation (backup, restore, copy, reset) checks, in one place.
 * Which environment may take which data (R14, R16, R17) is decided here; the data plane only
 * carries it out. Locks and readiness are domain rules (assertNotLocked, assertReady).
 */

/** Tenant admins, or that environment's env-admin (R19); another tenant's id answers 404. */
export const loadEnvironmentForDatabase = (repos: Pick<Repos, 'environments'>, actor: Principal, environmentId: string): Promise<Environment> =>
  loadEnvironmentFor(repos, actor, environmentId, 'database.manage');

/**
 * R16, R17: data moves only between environments protected by the same key: the same tenant
 * key, or both by the provider key (the tenant's own provider-key environments). The copy is
 * re-keyed to the target's own DEK either way (see the data plane), so this is the policy
 * that a CMK environment's data never leaves the protection of the tenant's key, not a
 * technical limit. A support environment made to investigate a CMK environment is the case
 * people meet: it must be moved to the tenant key first (apply-tenant-key).
 */
export function assertSameProtector(source: Environment, target: Environment): void {
  const { mode, keyId } = source.encryption;
  if (target.encryption.mode === mode && target.encryption.keyId === keyId) return;
  if (target.type === 'support' && mode === 'tenant' && target.encryption.mode === 'provider') {
    fail(
      'KEY_MISMATCH',
      `The support environment "${target.name}" is protected by the provider key; apply the tenant key to it before it can take data of "${source.name}", which the tenant key protects.`,
    );
  }
  const describe = (env: Environment) => (env.encryption.mode === 'provider' ? 'the provider key' : `tenant key ${env.encryption.keyId ?? '?'}`);
  fail(
    'KEY_MISMATCH',
    `"${source.name}" is protected by ${describe(source)} and "${target.name}" by ${describe(target)}; data moves only between environments protected by the same key.`,
  );
}

/** Unwraps the environment's DEK (as recorded in `env`) when the data plane needs it. */
export const dekLoaderOf =
  (vault: Vault, env: Environment): DekLoader =>
  () =>
    unwrapDek(vault, env.wrappedDek, env.id, env.encryption.keyId);
