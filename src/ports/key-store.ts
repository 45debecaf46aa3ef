import type { TenantKey } from '../domain/tenant-key.js';

/** Tenant key records (public half, thumbprint, state). Private halves are the vault's. */
export interface KeyRepo {
  insert(key: TenantKey): Promise<void>;
  get(id: string): Promise<TenantKey | undefined>;
  /** Keys of a tenant (optionally one region), oldest first; Deleted keys left out. */
  listByTenant(tenantId: string, region?: string): Promise<TenantKey[]>;
  /** A key of the tenant with this thumbprint that is not Deleted. */
  findByThumbprint(tenantId: string, thumbprint: string): Promise<TenantKey | undefined>;
  /** Keys still taking custody (Importing, Restoring) since before `before` (real time). */
  listTakingCustodySince(before: Date): Promise<TenantKey[]>;
  update(key: TenantKey): Promise<void>;
}

/**
 * A BYOK key-exchange key: its private half is in the vault under `id` while `Active` (and
 * perhaps while `Importing`, its custody being taken). Single-use: `Destroyed` after the first
 * successful import, at expiry, or at a lock of its region (SPEC L4).
 */
export type ExchangeKeyState = 'Importing' | 'Active' | 'Destroyed';

export interface ExchangeKey {
  id: string;
  tenantId: string;
  region: string;
  publicKeyPem: string;
  createdAt: Date;
  expiresAt: Date;
  state: ExchangeKeyState;
  /** Real time the custody began while `Importing`; null otherwise. */
  custodySince: Date | null;
}

export interface ExchangeKeyRepo {
  insert(kek: ExchangeKey): Promise<void>;
  get(id: string): Promise<ExchangeKey | undefined>;
  /** The newest Active exchange key of a tenant and region that has not expired at `now`. */
  findCurrent(tenantId: string, region: string, now: Date): Promise<ExchangeKey | undefined>;
  /** Exchange keys of a region that are not Destroyed (what a lock destroys). */
  listLive(tenantId: string, region: string): Promise<ExchangeKey[]>;
  /** Every exchange key not Destroyed whose expiry is at or before `now`, or whose custody began before `custodyBefore`. */
  listDue(now: Date, custodyBefore: Date): Promise<ExchangeKey[]>;
  /** Compare-and-set of the state. */
  move(id: string, from: ExchangeKeyState, to: ExchangeKeyState): Promise<boolean>;
}
