import type { AuditHeadRow, AuditRow } from './audit-repo.js';
import type { BackupRow } from './backup-repo.js';
import type { NotificationRow } from './notification-repo.js';
import type { OperationRow } from './operation-repo.js';
import type { ThrottleRow } from './throttle-repo.js';

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
}

export interface ExchangeKeyRow {
  id: string;
  tenant_id: string;
  region: string;
  public_key_pem: string;
  created_at: string;
  expires_at: string;
}

export interface SettingRow {
  name: string;
  value: string;
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
  throttle_counters: ThrottleRow;
}
