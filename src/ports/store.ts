import type { EncryptionStatus, StatusMove } from '../domain/environment-status.js';
import type { EncryptionMode, Environment } from '../domain/environment.js';
import type { User } from '../domain/principal.js';
import type { Tenant } from '../domain/tenant.js';
import type { AuditRepo } from './audit-store.js';
import type { BackupRepo } from './backup-store.js';
import type { ExchangeKeyRepo, KeyRepo } from './key-store.js';
import type { NotificationRepo } from './notification-store.js';
import type { OperationRepo } from './operation-store.js';
import type { VaultObjectRepo } from './vault.js';
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
  /** The same, of one region only. */
  listByRegion(tenantId: string, region: string): Promise<Environment[]>;
  nameExists(tenantId: string, name: string): Promise<boolean>;
  /**
   * R2's one-way fact about the database's tables. Protection and status never change here:
   * only through the compare-and-set methods below, which follow the status table.
   */
  setHasFileColumns(id: string, hasFileColumns: boolean): Promise<void>;
  /**
   * Compare-and-set of the protection (wrapped DEK, mode, key): written only if the stored
   * wrapped DEK is still `expectedWrappedDek`, so a step that runs twice changes nothing the
   * second time and a racing writer is never overwritten. With `move`, the status must also be
   * one the move starts from, and becomes the one it ends in (domain/environment-status.ts).
   * Clears any pending wrapped DEK (the re-key it was for is done).
   */
  swapProtection(id: string, expectedWrappedDek: string, next: ProtectionChange, move?: StatusMove): Promise<boolean>;
  /**
   * Records the wrapped form of the DEK an environment is being re-keyed to (L4), before any
   * file is re-encrypted under it, so a crash mid-way can still open what was re-keyed. Written
   * only while the status is `updating` and no other pending DEK is recorded.
   */
  setPendingWrappedDek(id: string, pendingWrappedDek: string): Promise<boolean>;
  /** Compare-and-set of the status by a named move; `lockedAt` is written with it when given. */
  moveStatus(id: string, move: StatusMove, lockedAt?: Date | null): Promise<boolean>;
  /**
   * One statement for a whole region (a lock of 10,000 environments must not take 10,000 round
   * trips): tenant-key environments whose status the move starts from. Returns how many moved.
   */
  moveRegionStatus(tenantId: string, region: string, move: StatusMove, lockedAt?: Date | null): Promise<number>;
  /**
   * Crypto-shredding in one compare-and-set: the status moves to `deleted` (by `move`) and the
   * wrapped DEKs are erased in the same statement. False when the status did not allow it.
   */
  shred(id: string, move: 'delete' | 'purge'): Promise<boolean>;
  /** Environments of the tenant that are locked or being locked (R9 counts both). */
  countLocked(tenantId: string): Promise<number>;
  /** The statuses of the given environments, in one query (ids not stored are left out). */
  statusesOf(ids: readonly string[]): Promise<Map<string, EncryptionStatus>>;

  // ---- Environments on an external engine (SPEC E1-E6); false when the row is not one ----

  /** Replaces the engine's key-service token hash (a new token works at once, the old one no more). */
  setEngineToken(id: string, tokenHash: Buffer): Promise<boolean>;
  /** Compare-and-set of the latest engine key version: `from` to `from + 1` (a rotation). */
  advanceEngineKeyVersion(id: string, from: number): Promise<boolean>;
  /** When a lock confirmed the engine down (its keys are refused from then on), or null at unlock. */
  recordEngineStop(id: string, at: Date | null): Promise<boolean>;
  /** When the engine last fetched a key (the key service throttles these writes). */
  recordEngineKeyFetch(id: string, at: Date): Promise<void>;
}

export interface ProtectionChange {
  wrappedDek: string;
  mode: EncryptionMode;
  keyId: string | null;
}

export interface SettingRepo {
  get(name: string): Promise<string | undefined>;
  /** Writes only if absent; returns the value now stored (first writer wins across instances). */
  putIfAbsent(name: string, value: string): Promise<string>;
  /** Writes or overwrites (for values that change, like the dev clock's offset). */
  put(name: string, value: string): Promise<void>;
}

/**
 * Serialisation across every server instance (SPEC L1): inside a transaction, `region` waits
 * until no other transaction holds the same tenant and region, and holds it until this one
 * commits or rolls back. Every action that changes a region's keys or the protection of its
 * environments takes it first and then reads what its rules depend on, so whatever the timing
 * the outcome is one a single-threaded server could have produced. Outside a transaction it
 * throws: a lock that ends with the statement that took it protects nothing.
 */
export interface SerialLocks {
  region(tenantId: string, region: string): Promise<void>;
}

export interface Repos {
  locks: SerialLocks;
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
   * The software vault's objects, which live in the control store and take part in whatever
   * unit of work is running when they are written: called inside `transaction(work)` they join
   * it (a key record and its sealed private half commit together or not at all); called outside
   * one they run on their own. Only the embedded vault uses it (main/ wires it); nothing else
   * may, since everyone else must use the repos handed to `work`.
   */
  readonly vaultObjects: VaultObjectRepo;
  /**
   * Runs `work` in one transaction: everything it writes commits together or not at all.
   * Inside `work` use only the repos passed to it: the store's own repos and a nested
   * `transaction` throw there (they would deadlock on SQLite or escape the transaction on
   * PostgreSQL), as do `tx` repos kept and used after `work` has finished.
   */
  transaction<T>(work: (tx: Repos) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
