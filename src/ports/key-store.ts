import type { TenantKey } from '../domain/tenant-key.js';

/** Tenant key records (public half, thumbprint, state). Private halves are the vault's. */
export interface KeyRepo {
  insert(key: TenantKey): Promise<void>;
  get(id: string): Promise<TenantKey | undefined>;
  /** Keys of a tenant (optionally one region), oldest first; Deleted keys left out. */
  listByTenant(tenantId: string, region?: string): Promise<TenantKey[]>;
  /** A key of the tenant with this thumbprint that is not Deleted. */
  findByThumbprint(tenantId: string, thumbprint: string): Promise<TenantKey | undefined>;
  update(key: TenantKey): Promise<void>;
}

/** A BYOK key-exchange key: its private half is in the vault under `id`. */
export interface ExchangeKey {
  id: string;
  tenantId: string;
  region: string;
  publicKeyPem: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface ExchangeKeyRepo {
  insert(kek: ExchangeKey): Promise<void>;
  get(id: string): Promise<ExchangeKey | undefined>;
  /** The newest exchange key of a tenant and region that has not expired at `now`. */
  findCurrent(tenantId: string, region: string, now: Date): Promise<ExchangeKey | undefined>;
}
