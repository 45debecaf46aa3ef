import { fail } from './errors.js';
import type { TenantKey } from './tenant-key.js';

/**
 * The time gates of the key lifecycle, in one place. Each takes `now` and the facts it needs,
 * and refuses with the time when the action becomes possible (`retryAfter`).
 */
export const HOUR_MS = 3600_000;
export const ACTIVATION_COOLDOWN_MS = 24 * HOUR_MS; // R8
export const LOCK_COOLDOWN_MS = 72 * HOUR_MS; // R13
export const UNLOCK_DELAY_MS = 1 * HOUR_MS; // R15
export const PURGE_AFTER_MS = 28 * 24 * HOUR_MS; // R14

const at = (ms: number) => new Date(ms);

/** R8: after a key is activated in a region, no other key can be activated there for 24 h. */
export function assertActivationAllowed(lastActivation: Date | null, now: Date): void {
  if (!lastActivation) return;
  const opens = lastActivation.getTime() + ACTIVATION_COOLDOWN_MS;
  if (now.getTime() < opens) {
    fail(
      'ACTIVATION_COOLDOWN',
      `A key was activated in this region at ${lastActivation.toISOString()}; the next activation is possible from ${at(opens).toISOString()}.`,
      at(opens),
    );
  }
}

/**
 * R13: no lock within 72 h of the last key change (generate, upload, activate, unlock) in the
 * region: an admin who just slipped in a key of their own cannot lock the tenant with it before
 * the other admins, told by e-mail (R10), can react.
 */
export function assertLockAllowed(lastKeyChange: Date | null, now: Date): void {
  if (!lastKeyChange) return;
  const opens = lastKeyChange.getTime() + LOCK_COOLDOWN_MS;
  if (now.getTime() < opens) {
    fail(
      'LOCK_COOLDOWN',
      `The keys of this region changed at ${lastKeyChange.toISOString()}; a lock is possible from ${at(opens).toISOString()}.`,
      at(opens),
    );
  }
}

/** R15: unlock at least 1 h after the lock, and never while the lock is still running. */
export function assertUnlockAllowed(key: TenantKey, lockInProgress: boolean, now: Date): void {
  if (key.state !== 'Locked' || !key.lockedAt) {
    fail('CONFLICT', `Key "${key.name}" is ${key.state}; only a Locked key can be unlocked.`);
  }
  if (lockInProgress) fail('CONFLICT', 'The lock is still in progress; unlock when it has finished.');
  const opens = key.lockedAt!.getTime() + UNLOCK_DELAY_MS;
  if (now.getTime() < opens) {
    fail(
      'UNLOCK_TOO_EARLY',
      `The tenant was locked at ${key.lockedAt!.toISOString()}; unlocking is possible from ${at(opens).toISOString()}.`,
      at(opens),
    );
  }
}

/** R9: while any environment of the tenant is locked, no key can be generated, uploaded or activated. */
export function assertNoLockedEnvironments(lockedCount: number): void {
  if (lockedCount > 0) {
    fail(
      'LOCKED_ENVIRONMENTS_EXIST',
      `${lockedCount} environment(s) of this tenant are locked; unlock them (or let them be purged) before changing keys.`,
    );
  }
}

/** R14: when a locked environment is purged. */
export const purgeDueAt = (lockedAt: Date): Date => at(lockedAt.getTime() + PURGE_AFTER_MS);

/** The most recent key change in a set of keys: what the 72 h lock gate counts from. */
export function lastKeyChange(keys: readonly TenantKey[]): Date | null {
  let latest: number | null = null;
  for (const key of keys) {
    for (const t of [key.createdAt, key.activatedAt]) {
      if (t && (latest === null || t.getTime() > latest)) latest = t.getTime();
    }
  }
  return latest === null ? null : at(latest);
}
