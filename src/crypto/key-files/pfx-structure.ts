/**
 * The shape of a .pfx (RFC 7292), read without the password: what is encrypted with what, where
 * the keys are, and the MAC. Nothing here derives a key or decrypts; pfx-read.ts prices and then
 * does that work. Anything malformed throws ShapeError (a damaged file); anything well-formed
 * but unsupported throws INVALID_KEY_FILE with its own message.
 */
import { encodeDer, type Asn1 } from './forge-bridge.js';
import {
  isNullOrAbsent,
  readAlgorithm,
  readExplicit,
  readImplicitOctets,
  readOctetString,
  readOid,
  readSequence,
  readSmallInteger,
  readDer,
} from './asn1-reader.js';
import { invalidKeyFile, ShapeError } from './key-file-errors.js';
import { MAX_PFX_CONTENT_INFOS, MAX_PFX_SAFE_BAGS } from './key-file-limits.js';
import { checkIterations, readPbeScheme, type PbeScheme } from './pbe-scheme.js';
import { macBytes, macHashOf, type MacHash } from './pkcs12-mac.js';
import { OID, REFUSED_ALGORITHM_NAMES } from './pkcs12-oids.js';

export interface PfxMac {
  hash: MacHash;
  digest: Buffer;
  salt: Buffer;
  iterations: number;
}

export interface EncryptedBlob {
  scheme: PbeScheme;
  ciphertext: Buffer;
}

/** A private key found in a SafeContents. */
export type KeyEntry = { kind: 'plain'; pkcs8: Buffer; insideEncryptedContent: boolean } | ({ kind: 'shrouded' } & EncryptedBlob);

export type PfxContent = { kind: 'data'; keys: KeyEntry[]; bagCount: number } | ({ kind: 'encrypted' } & EncryptedBlob);

export interface PfxStructure {
  mac: PfxMac | undefined;
  /** The bytes the MAC covers: the AuthenticatedSafe's DER/BER as stored. */
  authSafe: Buffer;
  contents: PfxContent[];
}

function readEncryptedBlob(algorithm: Asn1 | undefined, ciphertext: Buffer, part: string): EncryptedBlob {
  const scheme = readPbeScheme(algorithm, part);
  if (ciphertext.length === 0 || ciphertext.length % scheme.blockBytes !== 0) {
    throw new ShapeError(`${part} ciphertext has an impossible length`);
  }
  return { scheme, ciphertext };
}

/** SafeContents ::= SEQUENCE OF SafeBag; SafeBag ::= SEQUENCE { bagId, [0] bagValue, bagAttributes SET OPTIONAL } */
export function parseSafeContents(der: Buffer, insideEncryptedContent: boolean): { keys: KeyEntry[]; bagCount: number } {
  const bags = readSequence(readDer(der, 'a SafeContents'), 'a SafeContents', 0, MAX_PFX_SAFE_BAGS);
  const keys: KeyEntry[] = [];
  for (const bag of bags) {
    const [idNode, valueNode] = readSequence(bag, 'a SafeBag', 2, 3);
    const bagId = readOid(idNode, 'a SafeBag type');
    const value = readExplicit(valueNode, 0, 'a SafeBag value');
    switch (bagId) {
      case OID.keyBag:
        readSequence(value, 'a key bag', 3);
        keys.push({ kind: 'plain', pkcs8: encodeDer(value), insideEncryptedContent });
        break;
      case OID.pkcs8ShroudedKeyBag: {
        // EncryptedPrivateKeyInfo ::= SEQUENCE { encryptionAlgorithm, encryptedData OCTET STRING }
        const [algorithm, data] = readSequence(value, 'a shrouded key bag', 2, 2);
        keys.push({ kind: 'shrouded', ...readEncryptedBlob(algorithm, readOctetString(data, 'a shrouded key bag'), 'a shrouded key bag') });
        break;
      }
      case OID.safeContentsBag:
        throw invalidKeyFile('The .pfx file nests SafeContents inside a bag, which Keyward does not support.');
      default:
        // Certificates, CRLs, secrets: not needed, the key's public half comes from the key itself.
        break;
    }
  }
  return { keys, bagCount: bags.length };
}

/** ContentInfo ::= SEQUENCE { contentType, [0] EXPLICIT content OPTIONAL } within the AuthenticatedSafe. */
function parseContentInfo(node: Asn1 | undefined): PfxContent {
  const [typeNode, contentNode] = readSequence(node, 'a ContentInfo', 1, 2);
  const type = readOid(typeNode, 'a ContentInfo type');
  if (type === OID.data) {
    const safeContents = readOctetString(readExplicit(contentNode, 0, 'a Data content'), 'a Data content');
    return { kind: 'data', ...parseSafeContents(safeContents, false) };
  }
  if (type === OID.encryptedData) {
    // EncryptedData ::= SEQUENCE { version, EncryptedContentInfo, [1] unprotectedAttrs OPTIONAL }
    const [versionNode, infoNode] = readSequence(readExplicit(contentNode, 0, 'an EncryptedData'), 'an EncryptedData', 2, 3);
    readSmallInteger(versionNode, 'an EncryptedData version', 0, 2);
    // EncryptedContentInfo ::= SEQUENCE { contentType, algorithm, [0] IMPLICIT encryptedContent OPTIONAL }
    const [innerType, algorithm, encrypted] = readSequence(infoNode, 'an EncryptedContentInfo', 3, 3);
    if (readOid(innerType, 'an EncryptedContentInfo type') !== OID.data) {
      throw new ShapeError('an EncryptedContentInfo holds something other than data');
    }
    const ciphertext = readImplicitOctets(encrypted, 0, 'an encrypted content');
    return { kind: 'encrypted', ...readEncryptedBlob(algorithm, ciphertext, 'an encrypted content') };
  }
  if (type === OID.envelopedData) {
    throw invalidKeyFile('The .pfx file is encrypted to a certificate (public-key privacy mode); export it with a password instead.');
  }
  throw new ShapeError('a ContentInfo has an unknown type');
}

/** MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER DEFAULT 1 } */
function parseMac(node: Asn1): PfxMac {
  const [digestInfo, saltNode, iterationsNode] = readSequence(node, 'the MAC', 2, 3);
  const [algorithmNode, digestNode] = readSequence(digestInfo, 'the MAC digest', 2, 2);
  const { oid, params } = readAlgorithm(algorithmNode, 'the MAC algorithm');
  const hash = macHashOf(oid);
  if (hash === undefined) {
    const name = REFUSED_ALGORITHM_NAMES[oid];
    throw invalidKeyFile(
      `The .pfx file's integrity MAC uses ${name === undefined ? 'an algorithm that' : `${name}, which`} Keyward does not accept ` +
        '(accepted: SHA-1, SHA-256, SHA-384, SHA-512).',
    );
  }
  if (!isNullOrAbsent(params)) throw new ShapeError('the MAC algorithm is malformed');
  const digest = readOctetString(digestNode, 'the MAC digest');
  if (digest.length !== macBytes(hash)) throw new ShapeError('the MAC digest has the wrong length');
  const salt = readOctetString(saltNode, 'the MAC salt');
  if (salt.length > 512) throw new ShapeError('the MAC salt is too long');
  const iterations = iterationsNode === undefined ? 1 : readSmallInteger(iterationsNode, 'the MAC iteration count', 1, 0x7fffffff);
  checkIterations(iterations);
  return { hash, digest, salt, iterations };
}

/** PFX ::= SEQUENCE { version INTEGER {v3(3)}, authSafe ContentInfo, macData MacData OPTIONAL } */
export function parsePfx(file: Buffer): PfxStructure {
  const [versionNode, authSafeNode, macNode] = readSequence(readDer(file, 'the PFX'), 'the PFX', 2, 3);
  readSmallInteger(versionNode, 'the PFX version', 3, 3);
  const [typeNode, contentNode] = readSequence(authSafeNode, 'the authenticated safe', 1, 2);
  const type = readOid(typeNode, 'the authenticated safe type');
  if (type === OID.signedData) {
    throw invalidKeyFile(
      'The .pfx file is signed with a certificate (public-key integrity mode) instead of protected by a password; ' + 'export it with a password.',
    );
  }
  if (type !== OID.data) throw new ShapeError('the authenticated safe has an unknown type');
  const authSafe = readOctetString(readExplicit(contentNode, 0, 'the authenticated safe'), 'the authenticated safe');
  const mac = macNode === undefined ? undefined : parseMac(macNode);
  const infos = readSequence(readDer(authSafe, 'the authenticated safe contents'), 'the authenticated safe contents', 1, MAX_PFX_CONTENT_INFOS);
  return { mac, authSafe, contents: infos.map(parseContentInfo) };
}

/** True when the bytes start like a PFX (SEQUENCE, then INTEGER 3): damaged rather than foreign. */
export function looksLikePfx(file: Buffer): boolean {
  if (file[0] !== 0x30 || file.length < 5) return false;
  const lengthByte = file[1] ?? 0;
  const offset = 2 + (lengthByte > 0x80 ? lengthByte & 0x7f : 0);
  return file[offset] === 0x02 && file[offset + 1] === 0x01 && file[offset + 2] === 0x03;
}
