import type { EncryptionMode, EncryptionStatus, Environment } from '../domain/environment.js';
import type { User } from '../domain/principal.js';
import type { Tenant } from '../domain/tenant.js';
import type { AuditRepo } from './audit-store.js';
import type { BackupRepo } from './backup-store.js';
import type { ExchangeKeyRepo, KeyRepo } from './key-store.js';
import type { NotificationRepo } from './notification-store.js';
import type { OperationRepo } from './operation-store.js';
import type { ThrottleRepo } from './throttle-store.js';

/**
 * The control store: tenants, people, environments and settings. Two adapters (embedded
 * SQLite, PostgreSQL) behind one query layer; one contract suite runs on both.
 * Nothing stored here is key material in the clear: DEKs are wrapped, tokens are hashes,
 * the provider key is sealed under the master key.
 *
 * Failures every adapter reports the same way (the contract suite checks them):
 * - `insert` of a row that breaks a uniqueness rule (same id; an e-mail already in the tenant,
 *   compared case-insensitively; a token hash already used; a name of a live environment of
 *   the tenant) throws KeywardError `CONFLICT`, also when another instance won a race;
 * - `update` of an id that is not stored throws KeywardError `NOT_FOUND`.
 */
export interface TenantRepo {
  insert(tenant: Tenant): Promise<void>;
  get(id: string): Promise<Tenant | undefined>;
  list(): Promise<Tenant[]>;
  update(tenant: Tenant): Promise<void>;
}

export interface UserRecord {
  user: User;
  /** SHA-256 of the bearer token; the token itself is never stored. */
  tokenHash: Buffer;
}

export interface UserRepo {
  insert(record: UserRecord): Promise<void>;
  get(id: string): Promise<User | undefined>;
  findByTokenHash(tokenHash: Buffer): Promise<UserRecord | undefined>;
  listByTenant(tenantId: string): Promise<User[]>;
  /** Whether the tenant already has a user with this e-mail (case-insensitive). */
  emailExists(tenantId: string, email: string): Promise<boolean>;
}

export interface EnvironmentRepo {
  insert(env: Environment): Promise<void>;
  /** Deleted environments are returned too (status `deleted`); callers decide what that means. */
  get(id: string): Promise<Environment | undefined>;
  /** Environments of a tenant in creation order, deleted ones left out. */
  listByTenant(tenantId: string): Promise<Environment[]>;
  nameExists(tenantId: string, name: string): Promise<boolean>;
  update(env: Environment): Promise<void>;
  /**
   * Compare-and-set of the wrapped DEK: writes `next` only if the stored value is still
   * `expected`, so a rewrap step that runs twice changes nothing the second time.
   */
  swapWrappedDek(id: string, expected: string, next: string): Promise<boolean>;
  /**
   * Compare-and-set of the whole protection: the wrapped DEK, the mode and key it names, and
   * the status, written only if the stored wrapped DEK is still `expectedWrappedDek`.
   */
  swapProtection(id: string, expectedWrappedDek: string, next: ProtectionChange): Promise<boolean>;
  /** Compare-and-set of the status: written only if the stored status is one of `from`. */
  moveStatus(id: string, from: readonly EncryptionStatus[], to: EncryptionStatus, lockedAt?: Date | null): Promise<boolean>;
  /**
   * One statement for a whole region (a lock of 10,000 environments must not take 10,000 round
   * trips): tenant-key environments whose status is one of `from` get status `to`.
   * Returns how many changed.
   */
  moveRegionStatus(
    tenantId: string,
    region: string,
    from: readonly EncryptionStatus[],
    to: EncryptionStatus,
    lockedAt?: Date | null,
  ): Promise<number>;
  countByStatus(tenantId: string, status: EncryptionStatus): Promise<number>;
  /** The statuses of the given environments, in one query (ids not stored are left out). */
  statusesOf(ids: readonly string[]): Promise<Map<string, EncryptionStatus>>;
}

export interface ProtectionChange {
  wrappedDek: string;
  mode: EncryptionMode;
  keyId: string | null;
  status: EncryptionStatus;
}

export interface SettingRepo {
  get(name: string): Promise<string | undefined>;
  /** Writes only if absent; returns the value now stored (first writer wins across instances). */
  putIfAbsent(name: string, value: string): Promise<string>;
  /** Writes or overwrites (for values that change, like the dev clock's offset). */
  put(name: string, value: string): Promise<void>;
  /** Deletes so that no copy stays readable in the store's files (see setting-repo.ts). */
  erase(name: string): Promise<void>;
}

export interface Repos {
  tenants: TenantRepo;
  users: UserRepo;
  environments: EnvironmentRepo;
  settings: SettingRepo;
  keys: KeyRepo;
  exchangeKeys: ExchangeKeyRepo;
  operations: OperationRepo;
  audit: AuditRepo;
  notifications: NotificationRepo;
  backups: BackupRepo;
  throttle: ThrottleRepo;
}

export interface Store extends Repos {
  /**
   * Runs `work` in one transaction: everything it writes commits together or not at all.
   * Inside `work` use only the repos passed to it: the store's own repos and a nested
   * `transaction` throw there (they would deadlock on SQLite or escape the transaction on
   * PostgreSQL), as do `tx` repos kept and used after `work` has finished.
   */
  transaction<T>(work: (tx: Repos) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
