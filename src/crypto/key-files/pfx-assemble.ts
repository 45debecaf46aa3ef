/**
 * Building blocks of a PKCS#12 file (RFC 7292), assembled with forge.asn1 from node:crypto
 * output. Layout follows OpenSSL 3's default so every reader that opens OpenSSL files opens ours:
 *
 *   PFX { version 3, authSafe: Data(AuthenticatedSafe), macData }
 *   AuthenticatedSafe = [ EncryptedData(SafeContents [certBag]),        -- PBES2/AES-256-CBC
 *                         Data(SafeContents [pkcs8ShroudedKeyBag]) ]     -- PBES2/AES-256-CBC
 *
 * Exported separately so tests can assemble files OpenSSL cannot write (two keys in one file).
 */
import { randomBytes } from 'node:crypto';
import {
  bmpStringNode,
  encodeDer,
  explicitNode,
  implicitOctetsNode,
  integerNode,
  octetStringNode,
  oidNode,
  sequenceNode,
  setNode,
  type Asn1,
} from './forge-bridge.js';
import { pbes2Encrypt } from './pbe-crypt.js';
import { hmacWithKey, macDataNode, pkcs12MacKey } from './pkcs12-mac.js';
import { OID } from './pkcs12-oids.js';

export interface BagAttributes {
  /** Pairs the key bag with its certificate bag (Windows and OpenSSL match on it). */
  localKeyId: Buffer;
  /** Shown as the key's name by Windows and macOS. */
  friendlyName: string;
}

function attributesNode(attributes: BagAttributes | undefined): Asn1[] {
  if (attributes === undefined) return [];
  return [
    setNode([
      sequenceNode([oidNode(OID.friendlyName), setNode([bmpStringNode(attributes.friendlyName)])]),
      sequenceNode([oidNode(OID.localKeyId), setNode([octetStringNode(attributes.localKeyId)])]),
    ]),
  ];
}

/** SafeBag { pkcs8ShroudedKeyBag, [0] EncryptedPrivateKeyInfo { algorithm, encryptedData } } */
export async function shroudedKeyBag(pkcs8: Buffer, password: string, iterations: number, attributes?: BagAttributes): Promise<Asn1> {
  const { algorithm, ciphertext } = await pbes2Encrypt(pkcs8, password, iterations);
  return sequenceNode([
    oidNode(OID.pkcs8ShroudedKeyBag),
    explicitNode(0, sequenceNode([algorithm, octetStringNode(ciphertext)])),
    ...attributesNode(attributes),
  ]);
}

/** SafeBag { certBag, [0] CertBag { x509Certificate, [0] OCTET STRING cert } } */
export function certBag(certificateDer: Buffer, attributes?: BagAttributes): Asn1 {
  return sequenceNode([
    oidNode(OID.certBag),
    explicitNode(0, sequenceNode([oidNode(OID.x509Certificate), explicitNode(0, octetStringNode(certificateDer))])),
    ...attributesNode(attributes),
  ]);
}

export interface SafeContentsSpec {
  /** Promises are accepted so bags being encrypted overlap with the rest of the work. */
  bags: (Asn1 | Promise<Asn1>)[];
  /** true: an EncryptedData ContentInfo (PBES2); false: a plain Data ContentInfo. */
  encrypt: boolean;
}

async function contentInfo(spec: SafeContentsSpec, password: string, iterations: number): Promise<Asn1> {
  const safeContents = encodeDer(sequenceNode(await Promise.all(spec.bags.map((bag) => Promise.resolve(bag)))));
  if (!spec.encrypt) {
    return sequenceNode([oidNode(OID.data), explicitNode(0, octetStringNode(safeContents))]);
  }
  const { algorithm, ciphertext } = await pbes2Encrypt(safeContents, password, iterations);
  // EncryptedData { version 0, EncryptedContentInfo { data, algorithm, [0] IMPLICIT ciphertext } }
  const encryptedData = sequenceNode([integerNode(0), sequenceNode([oidNode(OID.data), algorithm, implicitOctetsNode(0, ciphertext)])]);
  return sequenceNode([oidNode(OID.encryptedData), explicitNode(0, encryptedData)]);
}

/**
 * DER of a PFX holding `contents`, with a SHA-256 MAC whose key derivation uses `iterations`,
 * the same count as the bags (see pkcs12-mac.ts for why).
 */
export async function assemblePfx(contents: SafeContentsSpec[], password: string, iterations: number): Promise<Buffer> {
  // The contents' PBKDF2 runs go to the thread pool while the main thread derives the MAC key
  // (forge, synchronous), which does not depend on them.
  const pending = Promise.all(contents.map((spec) => contentInfo(spec, password, iterations)));
  const macSalt = randomBytes(16);
  let macKey: Buffer;
  try {
    macKey = pkcs12MacKey('sha256', password, macSalt, iterations);
  } catch (error) {
    await pending.catch(() => undefined);
    throw error;
  }
  let authSafe: Buffer;
  let mac: Buffer;
  try {
    authSafe = encodeDer(sequenceNode(await pending));
    mac = hmacWithKey('sha256', macKey, authSafe);
  } finally {
    macKey.fill(0);
  }
  return encodeDer(
    sequenceNode([
      integerNode(3),
      sequenceNode([oidNode(OID.data), explicitNode(0, octetStringNode(authSafe))]),
      macDataNode('sha256', mac, macSalt, iterations),
    ]),
  );
}
