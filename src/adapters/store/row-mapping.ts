import { caseKeyOf } from '../../domain/names.js';
import type { EnvironmentEngine } from '../../domain/engine.js';
import type { EncryptionStatus } from '../../domain/environment-status.js';
import type { EncryptionMode, Environment, EnvironmentType } from '../../domain/environment.js';
import type { Role, User } from '../../domain/principal.js';
import type { Tenant } from '../../domain/tenant.js';
import type { UserRecord } from '../../ports/store.js';
import type { EnvironmentRow, ExchangeKeyRow, TenantKeyRow, TenantRow, UserRow } from './schema.js';
import type { KeySource, KeyState, TenantKey } from '../../domain/tenant-key.js';
import type { ExchangeKey, ExchangeKeyState } from '../../ports/key-store.js';

/**
 * The one place that turns rows into domain values and back, so both dialects agree on every
 * encoding (see schema.ts). Values are written by this module only, so reading trusts them;
 * a JSON column that does not hold the expected shape is corruption and throws.
 */

/** Case-folded form behind case-insensitive e-mail and name checks (one rule for both databases). */
export const caseKey = caseKeyOf;

// toISOString throws on an invalid Date, so garbage never reaches the database.
const timeToRow = (time: Date): string => time.toISOString();
const timeFromRow = (value: string): Date => new Date(value);
const boolToRow = (value: boolean): number => (value ? 1 : 0);
const boolFromRow = (value: number): boolean => value !== 0;

function jsonArray(value: string, column: string): unknown[] {
  const parsed: unknown = JSON.parse(value);
  if (!Array.isArray(parsed)) throw new Error(`Control store column ${column} does not hold a JSON array.`);
  return parsed;
}

export function tenantToRow(tenant: Tenant): TenantRow {
  return {
    id: tenant.id,
    name: tenant.name,
    licensed_seats: tenant.licensedSeats,
    regions: JSON.stringify(tenant.regions),
    cmk_opt_in: boolToRow(tenant.cmkOptIn),
    cmk_enabled: boolToRow(tenant.cmkEnabled),
    cmk_enabled_at: tenant.cmkEnabledAt === null ? null : timeToRow(tenant.cmkEnabledAt),
    created_at: timeToRow(tenant.createdAt),
  };
}

export function tenantFromRow(row: TenantRow): Tenant {
  return {
    id: row.id,
    name: row.name,
    licensedSeats: Number(row.licensed_seats),
    regions: jsonArray(row.regions, 'tenants.regions').map(String),
    cmkOptIn: boolFromRow(row.cmk_opt_in),
    cmkEnabled: boolFromRow(row.cmk_enabled),
    cmkEnabledAt: row.cmk_enabled_at === null ? null : timeFromRow(row.cmk_enabled_at),
    createdAt: timeFromRow(row.created_at),
  };
}

export function userToRow({ user, tokenHash }: UserRecord): UserRow {
  return {
    id: user.id,
    tenant_id: user.tenantId,
    email: user.email,
    email_key: caseKey(user.email),
    // Only the fields a role has, in a fixed order, so stored JSON never carries extras.
    roles: JSON.stringify(user.roles.map((r) => (r.role === 'env-admin' ? { role: r.role, environmentId: r.environmentId } : { role: r.role }))),
    token_hash: tokenHash,
    created_at: timeToRow(user.createdAt),
  };
}

export function userFromRow(row: UserRow): User {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    email: row.email,
    roles: jsonArray(row.roles, 'users.roles') as Role[],
    createdAt: timeFromRow(row.created_at),
  };
}

export function userRecordFromRow(row: UserRow): UserRecord {
  // Copy: a driver may hand out a view on a larger buffer it reuses.
  return { user: userFromRow(row), tokenHash: Buffer.from(row.token_hash) };
}

export function environmentToRow(env: Environment): EnvironmentRow {
  return {
    id: env.id,
    tenant_id: env.tenantId,
    name: env.name,
    name_key: caseKey(env.name),
    region: env.region,
    type: env.type,
    created_at: timeToRow(env.createdAt),
    has_file_columns: boolToRow(env.hasFileColumns),
    encryption_mode: env.encryption.mode,
    encryption_key_id: env.encryption.keyId,
    encryption_status: env.encryption.status,
    wrapped_dek: env.wrappedDek,
    locked_at: env.lockedAt === null ? null : timeToRow(env.lockedAt),
    pending_wrapped_dek: env.pendingWrappedDek,
    ...engineToRow(env.engine),
  };
}

type EngineColumns = Pick<
  EnvironmentRow,
  | 'engine_kind'
  | 'engine_host'
  | 'engine_port'
  | 'engine_user'
  | 'engine_sealed_password'
  | 'engine_token_hash'
  | 'engine_key_version'
  | 'engine_stopped_at'
  | 'engine_key_fetch_at'
>;

function engineToRow(engine: EnvironmentEngine): EngineColumns {
  if (engine.kind === 'embedded') {
    return {
      engine_kind: 'embedded',
      engine_host: null,
      engine_port: null,
      engine_user: null,
      engine_sealed_password: null,
      engine_token_hash: null,
      engine_key_version: 1,
      engine_stopped_at: null,
      engine_key_fetch_at: null,
    };
  }
  return {
    engine_kind: engine.kind,
    engine_host: engine.host,
    engine_port: engine.port,
    engine_user: engine.user,
    engine_sealed_password: engine.sealedPassword,
    engine_token_hash: engine.tokenHash,
    engine_key_version: engine.keyVersion,
    engine_stopped_at: optionalTime(engine.stoppedAt),
    engine_key_fetch_at: optionalTime(engine.lastKeyFetchAt),
  };
}

function engineFromRow(row: EnvironmentRow): EnvironmentEngine {
  if (row.engine_kind === 'embedded') return { kind: 'embedded' };
  if (
    row.engine_kind !== 'mariadb' ||
    row.engine_host === null ||
    row.engine_port === null ||
    row.engine_user === null ||
    !row.engine_sealed_password
  ) {
    throw new Error(`Control store row of environment ${row.id} names an engine it does not describe.`);
  }
  return {
    kind: 'mariadb',
    host: row.engine_host,
    port: Number(row.engine_port),
    user: row.engine_user,
    sealedPassword: row.engine_sealed_password,
    // Copy: a driver may hand out a view on a larger buffer it reuses.
    tokenHash: row.engine_token_hash === null ? null : Buffer.from(row.engine_token_hash),
    keyVersion: Number(row.engine_key_version),
    stoppedAt: optionalTimeFromRow(row.engine_stopped_at),
    lastKeyFetchAt: optionalTimeFromRow(row.engine_key_fetch_at),
  };
}

export function environmentFromRow(row: EnvironmentRow): Environment {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    region: row.region,
    type: row.type as EnvironmentType,
    createdAt: timeFromRow(row.created_at),
    hasFileColumns: boolFromRow(row.has_file_columns),
    encryption: {
      mode: row.encryption_mode as EncryptionMode,
      keyId: row.encryption_key_id,
      status: row.encryption_status as EncryptionStatus,
    },
    wrappedDek: row.wrapped_dek,
    lockedAt: row.locked_at === null ? null : timeFromRow(row.locked_at),
    pendingWrappedDek: row.pending_wrapped_dek,
    engine: engineFromRow(row),
  };
}

const optionalTime = (value: Date | null): string | null => (value === null ? null : timeToRow(value));
const optionalTimeFromRow = (value: string | null): Date | null => (value === null ? null : timeFromRow(value));

export function tenantKeyToRow(key: TenantKey): TenantKeyRow {
  return {
    id: key.id,
    tenant_id: key.tenantId,
    region: key.region,
    name: key.name,
    name_key: caseKey(key.name),
    state: key.state,
    source: key.source,
    thumbprint: key.thumbprint,
    key_size: key.keySize,
    public_key_pem: key.publicKeyPem,
    created_at: timeToRow(key.createdAt),
    activated_at: optionalTime(key.activatedAt),
    locked_at: optionalTime(key.lockedAt),
    failure_reason: key.failureReason,
    custody_since: optionalTime(key.custodySince),
  };
}

export function tenantKeyFromRow(row: TenantKeyRow): TenantKey {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    region: row.region,
    name: row.name,
    state: row.state as KeyState,
    source: row.source as KeySource,
    thumbprint: row.thumbprint,
    keySize: Number(row.key_size),
    publicKeyPem: row.public_key_pem,
    createdAt: timeFromRow(row.created_at),
    activatedAt: optionalTimeFromRow(row.activated_at),
    lockedAt: optionalTimeFromRow(row.locked_at),
    failureReason: row.failure_reason,
    custodySince: optionalTimeFromRow(row.custody_since),
  };
}

export const exchangeKeyToRow = (kek: ExchangeKey): ExchangeKeyRow => ({
  id: kek.id,
  tenant_id: kek.tenantId,
  region: kek.region,
  public_key_pem: kek.publicKeyPem,
  created_at: timeToRow(kek.createdAt),
  expires_at: timeToRow(kek.expiresAt),
  state: kek.state,
  custody_since: optionalTime(kek.custodySince),
});

export const exchangeKeyFromRow = (row: ExchangeKeyRow): ExchangeKey => ({
  id: row.id,
  tenantId: row.tenant_id,
  region: row.region,
  publicKeyPem: row.public_key_pem,
  createdAt: timeFromRow(row.created_at),
  expiresAt: timeFromRow(row.expires_at),
  state: row.state as ExchangeKeyState,
  custodySince: optionalTimeFromRow(row.custody_since),
});
