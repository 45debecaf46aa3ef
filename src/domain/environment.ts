import type { EnvironmentEngine } from './engine.js';
import { isLocked, type EncryptionStatus } from './environment-status.js';
import { fail } from './errors.js';
import type { Tenant } from './tenant.js';

export type { EncryptionStatus } from './environment-status.js';

export const ENVIRONMENT_TYPES = ['production', 'sandbox', 'trial', 'developer', 'support'] as const;
export type EnvironmentType = (typeof ENVIRONMENT_TYPES)[number];

export type EncryptionMode = 'provider' | 'tenant';

export interface Environment {
  id: string;
  tenantId: string;
  name: string;
  region: string;
  type: EnvironmentType;
  createdAt: Date;
  /** True once any table has a file or image column (R2); never goes back. */
  hasFileColumns: boolean;
  encryption: {
    mode: EncryptionMode;
    /** The tenant key wrapping the DEK when mode is `tenant`, else null. */
    keyId: string | null;
    status: EncryptionStatus;
  };
  /** The DEK, wrapped; its versioned header names the key and algorithm (crypto/envelope.ts). */
  wrappedDek: string;
  /** When a lock made it `locked` (R14 purges 28 days later); null otherwise. */
  lockedAt: Date | null;
  /**
   * While a change of protection re-keys the database (L4): the new DEK, wrapped for the new
   * protector, recorded before any file is re-encrypted; null otherwise.
   */
  pendingWrappedDek: string | null;
  /** Where the data lives: Keyward's data plane, or an external engine Keyward keys (SPEC E1). */
  engine: EnvironmentEngine;
}

/**
 * R2: only environments made after CMK was turned on for the tenant, and without file or image
 * columns, may use a tenant key.
 */
export function isCmkEligible(env: Environment, tenant: Tenant): boolean {
  return tenant.cmkEnabled && tenant.cmkEnabledAt !== null && env.createdAt.getTime() > tenant.cmkEnabledAt.getTime() && !env.hasFileColumns;
}

export function assertCmkEligibleEnvironment(env: Environment, tenant: Tenant): void {
  if (!tenant.cmkEnabled || tenant.cmkEnabledAt === null) {
    fail('CMK_NOT_ENABLED', 'Customer-managed keys are not enabled for this tenant; ask the provider to enable them.');
  }
  if (env.createdAt.getTime() <= tenant.cmkEnabledAt!.getTime()) {
    fail('ENVIRONMENT_NOT_ELIGIBLE', 'Only environments created after customer-managed keys were enabled can use a tenant key.');
  }
  if (env.hasFileColumns) {
    fail('ENVIRONMENT_NOT_ELIGIBLE', 'Environments with file or image columns cannot use a tenant key.');
  }
}

/**
 * Data routes: a locked environment answers 423, one being re-protected answers 503.
 * Activation (rewrap) keeps status `ready`, so data stays available during it (R7).
 */
export function assertDataAccessible(env: Environment): void {
  assertNotLocked(env);
  switch (env.encryption.status) {
    case 'ready':
      return;
    case 'locked':
    case 'locking':
      return;
    case 'updating':
    case 'unlocking':
      fail('ENVIRONMENT_UPDATING', 'The environment is being re-protected; retry shortly.');
      return;
    case 'deleted':
      fail('NOT_FOUND', 'No such environment.');
  }
}

/** R2 in the other direction: a tenant-key environment may not gain a file or image column. */
export function assertMayAddFileColumn(env: Environment): void {
  if (env.encryption.mode === 'tenant') {
    fail('ENVIRONMENT_NOT_ELIGIBLE', 'Environments protected by a tenant key cannot have file or image columns.');
  }
}

/**
 * R14, R15, L1: nothing reads, writes, copies, restores or re-protects a locked environment
 * (a lock in progress counts). `role` names the environment in the refusal when two are involved.
 */
export function assertNotLocked(env: Environment, role?: 'source' | 'target'): void {
  if (!isLocked(env.encryption.status)) return;
  const which = role === undefined ? `The environment "${env.name}"` : `The ${role} environment "${env.name}"`;
  fail('ENVIRONMENT_LOCKED', `${which} is locked by its tenant; a tenant admin must unlock its key and then the environment first.`);
}

/** Anything but `ready` is another operation's business (apply, return, unlock, restore…). */
export function assertReady(env: Environment, role?: 'source' | 'target'): void {
  if (env.encryption.status === 'ready') return;
  const which = role === undefined ? `The environment "${env.name}"` : `The ${role} environment "${env.name}"`;
  fail('CONFLICT', `${which} is ${env.encryption.status}; wait for that to finish.`);
}
