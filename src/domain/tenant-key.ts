import { fail } from './errors.js';

/**
 * A tenant key (RSA, per tenant and region). The record keeps the public half and thumbprint;
 * the private half lives only in the vault, under the handle `id`.
 *
 *   Available → Installing → Active → Available (another key activated)
 *   Active/Available → Deleted (by a lock; gone from lists and from the vault)
 *   Active → Locked (the key that locked the tenant: private half destroyed, record kept)
 *   Locked → Installing → Active (unlock with the same key)
 *   Installing → Failed (with the reason)
 */
export const KEY_STATES = ['Available', 'Installing', 'Active', 'Locked', 'Failed', 'Deleted'] as const;
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
}

const TRANSITIONS: Record<KeyState, readonly KeyState[]> = {
  Available: ['Installing', 'Deleted'],
  Installing: ['Active', 'Failed'],
  Active: ['Available', 'Locked', 'Deleted'],
  Locked: ['Installing'],
  Failed: ['Deleted'],
  Deleted: [],
};

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
