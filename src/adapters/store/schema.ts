/**
 * Row shapes of the control store, as both dialects return them. The column types are the
 * common ground of SQLite and PostgreSQL so one query layer serves both:
 * - times are ISO 8601 UTC strings from `Date.toISOString()` (fixed width, so they also sort);
 * - booleans are integers 0/1;
 * - lists and nested objects (regions, roles) are JSON text;
 * - bytes are `Buffer` (blob in SQLite, bytea in PostgreSQL).
 * Columns named `*_key` hold a case-folded copy of a name for case-insensitive lookups and
 * uniqueness, computed in one place (row-mapping.ts) rather than by each database's lower(),
 * which differ outside ASCII.
 */
export interface TenantRow {
  id: string;
  name: string;
  licensed_seats: number;
  regions: string;
  cmk_opt_in: number;
  cmk_enabled: number;
  cmk_enabled_at: string | null;
  created_at: string;
}

export interface UserRow {
  id: string;
  tenant_id: string;
  email: string;
  email_key: string;
  roles: string;
  token_hash: Buffer;
  created_at: string;
}

export interface EnvironmentRow {
  id: string;
  tenant_id: string;
  name: string;
  name_key: string;
  region: string;
  type: string;
  created_at: string;
  has_file_columns: number;
  encryption_mode: string;
  encryption_key_id: string | null;
  encryption_status: string;
  wrapped_dek: string;
  locked_at: string | null;
  pending_wrapped_dek: string | null;
  /** Migration 0008: `embedded`, or the external engine's kind and its columns below. */
  engine_kind: string;
  engine_host: string | null;
  engine_port: number | null;
  engine_user: string | null;
  engine_sealed_password: string | null;
  engine_token_hash: Buffer | null;
  engine_key_version: number;
  engine_stopped_at: string | null;
  engine_key_fetch_at: string | null;
}

export interface TenantKeyRow {
  id: string;
  tenant_id: string;
  region: string;
  name: string;
  name_key: string;
  state: string;
  source: string;
  thumbprint: string;
  key_size: number;
  public_key_pem: string;
  created_at: string;
  activated_at: string | null;
  locked_at: string | null;
  failure_reason: string | null;
  custody_since: string | null;
}

export interface ExchangeKeyRow {
  id: string;
  tenant_id: string;
  region: string;
  public_key_pem: string;
  created_at: string;
  expires_at: string;
  state: string;
  custody_since: string | null;
}

export interface SerialLockRow {
  key: string;
}

export interface VaultObjectRow {
  handle: string;
  kind: string;
  sealed: string;
}

export interface SettingRow {
  name: string;
  value: string;
}

/** A row of `audit_log` (migration 0004), encoded like the rest of the schema (see schema.ts). */
export interface AuditRow {
  /** 1: unkeyed SHA-256 (before keyed chains); 2: the vault's HMAC (domain/audit-chain.ts). */
  version: number;
  tenant_id: string;
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  detail: string | null;
  prev_hash: string;
  hash: string;
}

/** A row of `audit_heads`: the last seq and hash of one tenant's chain. */
export interface AuditHeadRow {
  tenant_id: string;
  seq: number;
  hash: string;
}

/** A row of `backups` (migration 0006), encoded like the rest of the schema (see schema.ts). */
export interface BackupRow {
  id: string;
  tenant_id: string;
  environment_id: string;
  label: string | null;
  created_at: string;
  protector_mode: string;
  protector_key_id: string | null;
  /** `bigint`: node-postgres returns it as a string, SQLite as a number. */
  size_bytes: number | string;
}

/** A row of `notifications` (migration 0005), encoded like the rest of the schema (see schema.ts). */
export interface NotificationRow {
  id: string;
  idempotency_key: string;
  tenant_id: string;
  /** The recipients' addresses as a JSON array. */
  recipients: string;
  subject: string;
  body: string;
  created_at: string;
  /** How many sends were started (counted at claim, so a crash mid-send counts too). */
  attempts: number;
  /** Real (wall-clock) time from which the message may be claimed. */
  next_attempt_at: string;
  /** Real time until which a dispatcher holds the message; null when nobody does. */
  lease_until: string | null;
  sent_at: string | null;
  last_error: string | null;
}

/**
 * A row of `operations` (migration 0003), encoded like the rest of the schema (see schema.ts).
 * It lives beside its only reader and writer rather than in row-mapping.ts, so the runner's
 * bookkeeping columns (`lease_*`, `not_before`, `attempts`) have one home.
 */
export interface OperationRow {
  id: string;
  tenant_id: string;
  type: string;
  status: string;
  progress_done: number;
  progress_total: number;
  error_code: string | null;
  error_detail: string | null;
  /** The operation's input as a JSON object. */
  input: string;
  created_at: string;
  finished_at: string | null;
  /** The lease holder's token; null when nobody holds it. */
  lease_owner: string | null;
  /** Real (wall-clock) time the lease ends; null when nobody holds it. */
  lease_until: string | null;
  /** Real time before which a released operation is not claimed again (retry backoff). */
  not_before: string | null;
  /** How many times the operation was claimed. */
  attempts: number;
  /** The operation's result as JSON, once finished; null otherwise. */
  result: string | null;
}

/** A row of `throttle_counters` (migration 0010), encoded like the rest of the schema (schema.ts). */
export interface ThrottleRow {
  key: string;
  scope: string;
  count: number;
  since: string;
  last_at: string;
  until: string | null;
  note: string | null;
}

export interface ControlDatabase {
  tenants: TenantRow;
  users: UserRow;
  environments: EnvironmentRow;
  settings: SettingRow;
  tenant_keys: TenantKeyRow;
  exchange_keys: ExchangeKeyRow;
  operations: OperationRow;
  audit_log: AuditRow;
  audit_heads: AuditHeadRow;
  notifications: NotificationRow;
  backups: BackupRow;
  serial_locks: SerialLockRow;
  vault_objects: VaultObjectRow;
  throttle_counters: ThrottleRow;
}
