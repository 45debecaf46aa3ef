/**
 * The PKCS#12 integrity MAC (RFC 7292 §5): HMAC over the AuthenticatedSafe, keyed by the PKCS#12
 * KDF (id 3) of the password. The MAC key derivation runs `iterations` times like the bags' KDF:
 * a MAC with fewer iterations than the bags would let an attacker test passwords at the MAC's
 * lower cost, so Keyward writes the same count for both.
 * HMAC is node:crypto; only the KDF is forge (Node has no PKCS#12 KDF).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  integerNode,
  nullNode,
  octetStringNode,
  oidNode,
  pkcs12Kdf,
  PKCS12_KDF_DIGEST_BYTES,
  sequenceNode,
  type Asn1,
  type Pkcs12KdfHash,
} from './forge-bridge.js';
import { FORGE_KDF_WEIGHT } from './pbe-scheme.js';
import { OID } from './pkcs12-oids.js';

export type MacHash = Pkcs12KdfHash;

const MAC_HASHES = new Map<string, MacHash>([
  [OID.sha1, 'sha1'],
  [OID.sha256, 'sha256'],
  [OID.sha384, 'sha384'],
  [OID.sha512, 'sha512'],
]);

const MAC_HASH_OIDS: Record<MacHash, string> = { sha1: OID.sha1, sha256: OID.sha256, sha384: OID.sha384, sha512: OID.sha512 };

export function macHashOf(oid: string): MacHash | undefined {
  return MAC_HASHES.get(oid);
}

export function macBytes(hash: MacHash): number {
  return PKCS12_KDF_DIGEST_BYTES[hash];
}

/** The MAC key (does not depend on the data, so writers can derive it while bags are encrypted). */
export function pkcs12MacKey(hash: MacHash, password: string, salt: Buffer, iterations: number): Buffer {
  return pkcs12Kdf(password, salt, 3, iterations, macBytes(hash), hash);
}

export function hmacWithKey(hash: MacHash, key: Buffer, data: Buffer): Buffer {
  return createHmac(hash, key).update(data).digest();
}

export function computePkcs12Mac(hash: MacHash, password: string, salt: Buffer, iterations: number, data: Buffer): Buffer {
  const key = pkcs12MacKey(hash, password, salt, iterations);
  try {
    return hmacWithKey(hash, key, data);
  } finally {
    key.fill(0);
  }
}

export function pkcs12MacMatches(expected: Buffer, hash: MacHash, password: string, salt: Buffer, iterations: number, data: Buffer): boolean {
  const actual = computePkcs12Mac(hash, password, salt, iterations, data);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Cost of the MAC key derivation in MAX_PFX_WORK_UNITS units (one hash chain: key = digest size). */
export function macWorkUnits(hash: MacHash, iterations: number): number {
  return iterations * FORGE_KDF_WEIGHT[hash];
}

/** MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER DEFAULT 1 } */
export function macDataNode(hash: MacHash, digest: Buffer, salt: Buffer, iterations: number): Asn1 {
  return sequenceNode([
    sequenceNode([sequenceNode([oidNode(MAC_HASH_OIDS[hash]), nullNode()]), octetStringNode(digest)]),
    octetStringNode(salt),
    integerNode(iterations),
  ]);
}
