/**
 * Password-based encryption schemes found in .pfx files, read from their AlgorithmIdentifier:
 * PBES2 (PBKDF2 + AES-CBC or 3DES-CBC; what OpenSSL 3 and Keyward write) and the PKCS#12 PBEs
 * (SHA-1 KDF + 3DES or RC2; what Windows and OpenSSL 1.x wrote). Parsing is separate from
 * decrypting so the reader can price every derivation (`schemeWorkUnits`) before doing any.
 */
import { Asn1Class, Asn1Type, integerNode, nullNode, octetStringNode, oidNode, sequenceNode, type Asn1 } from './forge-bridge.js';
import { isNullOrAbsent, readAlgorithm, readOctetString, readSequence, readSmallInteger } from './asn1-reader.js';
import { invalidKeyFile, ShapeError } from './key-file-errors.js';
import { MAX_KDF_ITERATIONS } from './key-file-limits.js';
import { OID, REFUSED_ALGORITHM_NAMES } from './pkcs12-oids.js';

export type Pbes2Prf = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
export type Pbes2Cipher = 'aes-128-cbc' | 'aes-192-cbc' | 'aes-256-cbc' | 'des-ede3-cbc';
export type LegacyCipher = '3des' | 'rc2-40' | 'rc2-128';

interface SchemeBase {
  salt: Buffer;
  iterations: number;
  keyBytes: number;
  /** Cipher block size: ciphertexts are a non-zero multiple of it (CBC with PKCS#7 padding). */
  blockBytes: number;
}
export type PbeScheme =
  | (SchemeBase & { kind: 'pbes2'; prf: Pbes2Prf; prfBytes: number; cipher: Pbes2Cipher; iv: Buffer })
  | (SchemeBase & { kind: 'pkcs12-pbe'; cipher: LegacyCipher });

const PBES2_CIPHERS = new Map<string, { name: Pbes2Cipher; keyBytes: number; blockBytes: number }>([
  [OID.aes128Cbc, { name: 'aes-128-cbc', keyBytes: 16, blockBytes: 16 }],
  [OID.aes192Cbc, { name: 'aes-192-cbc', keyBytes: 24, blockBytes: 16 }],
  [OID.aes256Cbc, { name: 'aes-256-cbc', keyBytes: 32, blockBytes: 16 }],
  [OID.desEde3Cbc, { name: 'des-ede3-cbc', keyBytes: 24, blockBytes: 8 }],
]);

const PBES2_PRFS = new Map<string, { name: Pbes2Prf; bytes: number }>([
  [OID.hmacWithSha1, { name: 'sha1', bytes: 20 }],
  [OID.hmacWithSha224, { name: 'sha224', bytes: 28 }],
  [OID.hmacWithSha256, { name: 'sha256', bytes: 32 }],
  [OID.hmacWithSha384, { name: 'sha384', bytes: 48 }],
  [OID.hmacWithSha512, { name: 'sha512', bytes: 64 }],
]);

const LEGACY_CIPHERS = new Map<string, { name: LegacyCipher; keyBytes: number; blockBytes: number }>([
  [OID.pbeWithSha1And3KeyTripleDesCbc, { name: '3des', keyBytes: 24, blockBytes: 8 }],
  [OID.pbeWithSha1And40BitRc2Cbc, { name: 'rc2-40', keyBytes: 5, blockBytes: 8 }],
  [OID.pbeWithSha1And128BitRc2Cbc, { name: 'rc2-128', keyBytes: 16, blockBytes: 8 }],
]);

/**
 * Relative cost of one iteration, in units of a forge PKCS#12-KDF SHA-256 iteration (~1 µs,
 * main thread). Measured with forge 1.4.3 relative to SHA-256: SHA-1 0.7, SHA-384/512 2.5
 * (64-bit arithmetic in JS), rounded up here. Node's native PBKDF2 runs off the main thread at
 * ~0.15 µs per iteration; 0.25 is a rounded-up weight for it.
 */
export const FORGE_KDF_WEIGHT = { sha1: 1, sha256: 1, sha384: 3, sha512: 3 } as const;
const PBKDF2_WEIGHT = 0.25;
const MAX_SALT_BYTES = 512;

function unsupported(oid: string): never {
  const name = REFUSED_ALGORITHM_NAMES[oid];
  throw invalidKeyFile(
    `The .pfx file is protected with ${name === undefined ? 'an algorithm that' : `${name}, which`} Keyward does not support; ` +
      'export it again with AES-256 (OpenSSL 3 default) or 3DES.',
  );
}

/** Any positive 31-bit count parses; the cap is checked by `checkIterations` with its own message. */
function readIterations(node: Asn1 | undefined, part: string): number {
  return readSmallInteger(node, part, 1, 0x7fffffff);
}

export function checkIterations(iterations: number): void {
  if (iterations > MAX_KDF_ITERATIONS) {
    throw invalidKeyFile(
      `The .pfx file asks for ${iterations} key-derivation iterations; Keyward reads files with at most ` +
        `${MAX_KDF_ITERATIONS} (600,000 is the recommended count).`,
    );
  }
}

function readSalt(node: Asn1 | undefined, part: string): Buffer {
  const salt = readOctetString(node, part);
  if (salt.length > MAX_SALT_BYTES) throw new ShapeError(`${part} is too long`);
  return salt;
}

/** PBES2-params ::= SEQUENCE { keyDerivationFunc AlgorithmIdentifier, encryptionScheme AlgorithmIdentifier } */
function readPbes2(params: Asn1 | undefined, part: string): PbeScheme {
  const [kdfNode, encNode] = readSequence(params, `${part} PBES2 parameters`, 2, 2);
  const kdf = readAlgorithm(kdfNode, `${part} key derivation`);
  if (kdf.oid !== OID.pbkdf2) unsupported(kdf.oid);
  // PBKDF2-params ::= SEQUENCE { salt CHOICE { specified OCTET STRING, otherSource .. },
  //   iterationCount INTEGER, keyLength INTEGER OPTIONAL, prf AlgorithmIdentifier DEFAULT hmacWithSHA1 }
  const fields = readSequence(kdf.params, `${part} PBKDF2 parameters`, 2, 4);
  const salt = readSalt(fields[0], `${part} PBKDF2 salt`);
  const iterations = readIterations(fields[1], `${part} PBKDF2 iteration count`);
  let next = 2;
  let keyLength: number | undefined;
  if (fields[next]?.type === Asn1Type.INTEGER && fields[next]?.tagClass === Asn1Class.UNIVERSAL) {
    keyLength = readSmallInteger(fields[next], `${part} PBKDF2 key length`, 1, 64);
    next++;
  }
  let prf = PBES2_PRFS.get(OID.hmacWithSha1);
  if (fields[next] !== undefined) {
    const prfAlg = readAlgorithm(fields[next], `${part} PBKDF2 PRF`);
    if (!isNullOrAbsent(prfAlg.params)) throw new ShapeError(`${part} PBKDF2 PRF is malformed`);
    prf = PBES2_PRFS.get(prfAlg.oid);
    if (prf === undefined) unsupported(prfAlg.oid);
    next++;
  }
  if (next !== fields.length || prf === undefined) throw new ShapeError(`${part} PBKDF2 parameters are malformed`);

  const enc = readAlgorithm(encNode, `${part} encryption scheme`);
  const cipher = PBES2_CIPHERS.get(enc.oid);
  if (cipher === undefined) return unsupported(enc.oid);
  if (keyLength !== undefined && keyLength !== cipher.keyBytes) throw new ShapeError(`${part} PBKDF2 key length is wrong`);
  const iv = readOctetString(enc.params, `${part} IV`);
  if (iv.length !== cipher.blockBytes) throw new ShapeError(`${part} IV has the wrong length`);
  return {
    kind: 'pbes2',
    prf: prf.name,
    prfBytes: prf.bytes,
    salt,
    iterations,
    cipher: cipher.name,
    keyBytes: cipher.keyBytes,
    blockBytes: cipher.blockBytes,
    iv,
  };
}

/** pkcs-12PbeParams ::= SEQUENCE { salt OCTET STRING, iterations INTEGER } */
function readPkcs12Pbe(oid: string, params: Asn1 | undefined, part: string): PbeScheme {
  const cipher = LEGACY_CIPHERS.get(oid) ?? unsupported(oid);
  const [saltNode, countNode] = readSequence(params, `${part} PBE parameters`, 2, 2);
  return {
    kind: 'pkcs12-pbe',
    cipher: cipher.name,
    keyBytes: cipher.keyBytes,
    blockBytes: cipher.blockBytes,
    salt: readSalt(saltNode, `${part} PBE salt`),
    iterations: readIterations(countNode, `${part} PBE iteration count`),
  };
}

/** Reads the AlgorithmIdentifier of an encrypted bag or content; refuses what we cannot decrypt. */
export function readPbeScheme(node: Asn1 | undefined, part: string): PbeScheme {
  const { oid, params } = readAlgorithm(node, `${part} encryption algorithm`);
  const scheme = oid === OID.pbes2 ? readPbes2(params, part) : readPkcs12Pbe(oid, params, part);
  checkIterations(scheme.iterations);
  return scheme;
}

/** What deriving this scheme's key (and IV) costs, in the units of MAX_PFX_WORK_UNITS. */
export function schemeWorkUnits(scheme: PbeScheme): number {
  if (scheme.kind === 'pbes2') {
    return scheme.iterations * Math.ceil(scheme.keyBytes / scheme.prfBytes) * PBKDF2_WEIGHT;
  }
  // The key takes ceil(keyBytes / 20) SHA-1 chains, the IV one more.
  return scheme.iterations * (Math.ceil(scheme.keyBytes / 20) + 1) * FORGE_KDF_WEIGHT.sha1;
}

/** The AlgorithmIdentifier Keyward writes: PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC. */
export function pbes2Aes256AlgorithmNode(salt: Buffer, iterations: number, iv: Buffer): Asn1 {
  return sequenceNode([
    oidNode(OID.pbes2),
    sequenceNode([
      sequenceNode([
        oidNode(OID.pbkdf2),
        // keyLength is omitted, as OpenSSL does for fixed-length ciphers.
        sequenceNode([octetStringNode(salt), integerNode(iterations), sequenceNode([oidNode(OID.hmacWithSha256), nullNode()])]),
      ]),
      sequenceNode([oidNode(OID.aes256Cbc), octetStringNode(iv)]),
    ]),
  ]);
}
