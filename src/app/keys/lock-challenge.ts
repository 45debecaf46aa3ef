import { challengeCode, challengeExpiresAt, challengeText, challengeWindow, normaliseTyped } from '../../domain/lock-challenge.js';
import { fail } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import { mayHoldPrivateHalf, shortThumbprint, type TenantKey } from '../../domain/tenant-key.js';
import type { Tenant } from '../../domain/tenant.js';
import type { Repos } from '../../ports/store.js';
import type { AppDeps } from '../deps.js';
import { activeKeyOf, loadKeyTenant } from './key-access.js';

export interface LockChallenge {
  text: string;
  expiresAt: Date;
  environments: number;
  keys: number;
}

/**
 * The challenge of R13 (domain/lock-challenge.ts), derived, not stored: its code is a MAC (the
 * vault's audit key, domain-separated) over the tenant, region, active key, what the lock would
 * destroy and the ten-minute window, so nobody without the vault can make one and a stale one
 * fails. Computed again under the region's lock when the lock is asked for.
 */
async function challengeFor(
  deps: Pick<AppDeps, 'vault'>,
  tx: Pick<Repos, 'environments' | 'keys'>,
  tenant: Tenant,
  region: string,
  active: TenantKey,
  window: number,
): Promise<LockChallenge> {
  const environments = (await tx.environments.listByRegion(tenant.id, region)).filter(
    (e) => e.encryption.mode === 'tenant' && e.encryption.status === 'ready',
  ).length;
  const keys = (await tx.keys.listByTenant(tenant.id, region)).filter((k) => mayHoldPrivateHalf(k.state)).length;
  const mac = await deps.vault.auditMac(
    Buffer.from(JSON.stringify(['keyward-lock-challenge', tenant.id, region, active.id, environments, keys, window]), 'utf8'),
  );
  const text = challengeText({
    tenantName: tenant.name,
    region,
    environments,
    keys,
    keyShort: shortThumbprint(active.thumbprint),
    code: challengeCode(mac),
  });
  return { text, expiresAt: challengeExpiresAt(window), environments, keys };
}

export async function lockChallenge(deps: AppDeps, actor: Principal, tenantId: string, region: string): Promise<LockChallenge> {
  const tenant = await loadKeyTenant(deps.store, actor, tenantId, region);
  const active =
    (await activeKeyOf(deps.store, tenantId, region)) ??
    fail('NO_ACTIVE_KEY', `Region ${region} has no active tenant key, so there is nothing to lock.`);
  return challengeFor(deps, deps.store, tenant, region, active, challengeWindow(deps.clock.now()));
}

/**
 * Whether a typed confirmation is the challenge of this window or the previous one, for what
 * the region holds now (CONFIRMATION_MISMATCH otherwise, saying why it may have changed).
 */
export async function assertChallengeTyped(
  deps: AppDeps,
  tx: Pick<Repos, 'environments' | 'keys'>,
  tenant: Tenant,
  region: string,
  active: TenantKey,
  typed: string,
): Promise<void> {
  const window = challengeWindow(deps.clock.now());
  const given = normaliseTyped(typed);
  for (const w of [window, window - 1]) if ((await challengeFor(deps, tx, tenant, region, active, w)).text === given) return;
  fail(
    'CONFIRMATION_MISMATCH',
    'The confirmation is not the current lock challenge: it is valid for 10 to 20 minutes and changes when environments or keys of the region do. Fetch it again and type it exactly.',
  );
}
