import { fail } from './errors.js';

/**
 * A tenant key (RSA, per tenant and region). The record keeps the public half and thumbprint;
 * the private half lives only in the vault, under the handle `id`.
 *
 *   Importing → Available, or → Installing (a region's first key, R6): the record exists before
 *     the vault holds anything (L2), so a crash leaves a record that owns what the vault holds
 *   Available → Installing → Active → Available (another key activated)
 *   Active → Locked (the key that locked the tenant: private half destroyed, record kept)
 *   Locked → Restoring → Installing → Active (unlock with the same key; Restoring is the
 *     moment its private half is brought back, owned by the record as Importing is)
 *   Installing → Failed (an activation given up, with the reason), → Locked (an unlock that
 *     cannot finish)
 *   any state but Locked → Deleted (by a lock, or a custody that never completed)
 */
export const KEY_STATES = ['Importing', 'Available', 'Installing', 'Active', 'Locked', 'Restoring', 'Failed', 'Deleted'] as const;
export type KeyState = (typeof KEY_STATES)[number];
export type KeySource = 'generated' | 'pfx' | 'byok';

export interface TenantKey {
  id: string;
  tenantId: string;
  region: string;
  name: string;
  state: KeyState;
  source: KeySource;
  /** SHA-256 of the SubjectPublicKeyInfo DER, lowercase hex. */
  thumbprint: string;
  keySize: number;
  /** SubjectPublicKeyInfo, PEM: enough to wrap DEKs without the vault. */
  publicKeyPem: string;
  createdAt: Date;
  activatedAt: Date | null;
  lockedAt: Date | null;
  failureReason: string | null;
  /**
   * Real (wall-clock) time when the custody of the private half began (Importing, Restoring);
   * null otherwise. A start that finds it old reclaims the vault object (the request died).
   */
  custodySince: Date | null;
}

const TRANSITIONS: Record<KeyState, readonly KeyState[]> = {
  Importing: ['Available', 'Installing', 'Deleted'],
  Available: ['Installing', 'Deleted'],
  Installing: ['Active', 'Failed', 'Locked', 'Deleted'],
  Active: ['Available', 'Locked', 'Deleted'],
  Locked: ['Restoring'],
  Restoring: ['Installing', 'Locked'],
  Failed: ['Deleted'],
  Deleted: [],
};

/**
 * States in which the vault may hold the key's private half. Everything a lock must destroy is
 * in one of these; a vault object whose record is in none of them is an orphan (L2).
 */
export const CUSTODY_STATES: readonly KeyState[] = ['Importing', 'Available', 'Installing', 'Active', 'Restoring', 'Failed'];
export const mayHoldPrivateHalf = (state: KeyState): boolean => CUSTODY_STATES.includes(state);

/** States in which a key's custody is still being taken (the request that does it may have died). */
export const TAKING_CUSTODY: readonly KeyState[] = ['Importing', 'Restoring'];

export function canMove(from: KeyState, to: KeyState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The one guard for key state changes: an impossible move is a programming error or a race. */
export function moveKey(key: TenantKey, to: KeyState, patch: Partial<TenantKey> = {}): TenantKey {
  if (key.state === to) return { ...key, ...patch };
  if (!canMove(key.state, to)) {
    fail('CONFLICT', `Key "${key.name}" is ${key.state} and cannot become ${to}.`);
  }
  return { ...key, ...patch, state: to };
}

export const shortThumbprint = (thumbprint: string): string => thumbprint.slice(0, 8);
