/**
 * The my.cnf lines that make a MariaDB server keep everything it writes encrypted under keys it
 * fetches from Keyward. docs/mariadb.md shows these exact lines (a test checks it); the test
 * harness starts every mariadbd with them. Checked against MariaDB 10.11 (Debian 12) and the
 * hashicorp_key_management plugin's source; the reasons are in the comments and in the docs.
 */
export interface KeyServiceSettings {
  /** engineVaultUrl(): `<keyward>/v1/keyward/<environmentId>`. */
  vaultUrl: string;
  /** The environment's engine token (POST /v1/environments/{id}/engine/token). */
  token: string;
  /** CA bundle that signed Keyward's TLS certificate (https URLs only). */
  caFile?: string;
  /**
   * How long the plugin trusts its cached "latest version" of a key, in milliseconds of the
   * server's CPU time (the plugin measures with clock()). A rotation is noticed only when it
   * expires; each expiry is a request to Keyward. Default 60000 (MariaDB 10.11's own).
   */
  cacheVersionTimeoutMs?: number;
}

/** The plugin, pointed at Keyward. */
export function keyServiceLines(settings: KeyServiceSettings): string[] {
  if (/[\r\n]/.test(settings.vaultUrl + settings.token + (settings.caFile ?? ''))) throw new RangeError('my.cnf values are single lines.');
  return [
    'plugin_load_add = hashicorp_key_management',
    `hashicorp-key-management-vault-url = ${settings.vaultUrl}`,
    `hashicorp-key-management-token = ${settings.token}`,
    ...(settings.caFile ? [`hashicorp-key-management-vault-ca = ${settings.caFile}`] : []),
    // Seconds per attempt (connect and answer), and retries after a timeout: a Keyward that is
    // black-holed stalls a key fetch for at most 10 s instead of the default 60.
    'hashicorp-key-management-timeout = 5',
    'hashicorp-key-management-max-retries = 1',
    // Keys stay in the server's memory: a running engine needs Keyward only for new key ids and
    // versions, and falls back to them when Keyward cannot be reached (SPEC E5).
    'hashicorp-key-management-caching-enabled = ON',
    'loose-hashicorp-key-management-use-cache-on-timeout = ON',
    // A key's bytes never change (they derive from the DEK), so cached ones never expire.
    'loose-hashicorp-key-management-cache-timeout = 31536000000',
    `hashicorp-key-management-cache-version-timeout = ${settings.cacheVersionTimeoutMs ?? 60_000}`,
  ];
}

/** Everything the server writes, encrypted. */
export const ENCRYPTION_AT_REST_LINES: readonly string[] = [
  // FORCE, not ON: CREATE TABLE … ENCRYPTED=NO is refused.
  'innodb_encrypt_tables = FORCE',
  'innodb_encrypt_log = ON',
  'innodb_encrypt_temporary_tables = ON',
  // Background threads encrypt what existed before (system tablespace, mysql.*) and rotate keys.
  'innodb_encryption_threads = 4',
  'innodb_encryption_rotate_key_age = 1',
  'encrypt_tmp_disk_tables = ON',
  'encrypt_tmp_files = ON',
  'encrypt_binlog = ON',
  'aria_encrypt_tables = ON',
  // MyISAM is never encrypted and Aria's transaction log (aria_log.*) is not: user tables in InnoDB only.
  'enforce_storage_engine = InnoDB',
];
