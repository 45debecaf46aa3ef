import type { Connection } from 'mariadb';
import type { EngineKeyUsage, EngineKeyVersionUse } from '../../../ports/engine.js';

/**
 * Key versions still in use, from INFORMATION_SCHEMA.INNODB_TABLESPACES_ENCRYPTION (needs the
 * PROCESS privilege). MIN_KEY_VERSION is the oldest version any page of a tablespace is still
 * encrypted with; 0 (with ENCRYPTION_SCHEME 0 or 1) means not, or not yet, encrypted.
 *
 * MariaDB re-encrypts a tablespace only when its key is older than
 * `innodb_encryption_rotate_key_age` versions, strictly (version + age < latest): with age 1,
 * serving version N+1 re-encrypts what is at N-1 or older, not what is at N.
 */
const BY_KEY = `
  SELECT CURRENT_KEY_ID AS keyId, MIN(MIN_KEY_VERSION) AS minKeyVersion,
         COUNT(*) AS tablespaces, SUM(ROTATING_OR_FLUSHING) AS rotating
    FROM information_schema.INNODB_TABLESPACES_ENCRYPTION
   WHERE ENCRYPTION_SCHEME <> 0 AND MIN_KEY_VERSION <> 0
   GROUP BY CURRENT_KEY_ID ORDER BY CURRENT_KEY_ID`;
const UNENCRYPTED = `
  SELECT COUNT(*) AS n FROM information_schema.INNODB_TABLESPACES_ENCRYPTION
   WHERE ENCRYPTION_SCHEME = 0 OR MIN_KEY_VERSION = 0`;

interface KeyRow {
  keyId: number;
  minKeyVersion: number;
  tablespaces: number;
  rotating: number | null;
}

export async function readKeyUsage(connection: Connection): Promise<EngineKeyUsage> {
  const rows = await connection.query<KeyRow[]>(BY_KEY);
  const [unencrypted] = await connection.query<Array<{ n: number }>>(UNENCRYPTED);
  const byKeyId: EngineKeyVersionUse[] = rows.map((row) => ({
    keyId: Number(row.keyId),
    minKeyVersion: Number(row.minKeyVersion),
    tablespaces: Number(row.tablespaces),
    rotating: Number(row.rotating ?? 0),
  }));
  const minKeyVersion = byKeyId.length === 0 ? null : Math.min(...byKeyId.map((k) => k.minKeyVersion));
  return { ok: true, minKeyVersion, byKeyId, unencrypted: Number(unencrypted?.n ?? 0) };
}
