/**
 * The only file that imports node-forge. Forge does what node:crypto lacks: DER decoding and
 * encoding (asn1), the PKCS#12 key-derivation function (RFC 7292 appendix B, for the MAC and
 * legacy PBE), RC2 (legacy files; OpenSSL 3 has it only in the legacy provider, which Node does
 * not load) and the X.509 structure of a generated key's certificate (signed by node:crypto).
 * @types/node-forge lacks some signatures we need (fromDer's options, getTBSCertificate); they
 * are typed here, once, so a forge upgrade is checked here.
 * Forge works on "binary strings" (one char per byte); Buffers are converted at this boundary.
 */
import forge from 'node-forge';
import { MAX_ASN1_DEPTH } from './key-file-limits.js';

export type Asn1 = forge.asn1.Asn1;
export const asn1 = forge.asn1;
export const Asn1Class = forge.asn1.Class;
export const Asn1Type = forge.asn1.Type;

interface FromDerOptions {
  strict: boolean;
  parseAllBytes: boolean;
  decodeBitStrings: boolean;
  maxDepth: number;
}
const fromDerWithOptions = forge.asn1.fromDer as unknown as (bytes: forge.util.ByteStringBuffer, options: FromDerOptions) => Asn1;

export function toBinary(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('binary');
}

export function fromBinary(binary: string): Buffer {
  return Buffer.from(binary, 'binary');
}

/**
 * Strict parse: every byte must belong to the value, BIT STRINGs are not speculatively decoded
 * (forge's default tries, which costs time on hostile input), nesting is capped.
 * BER indefinite lengths stay accepted: PKCS#12 content is BER and some tools write it.
 */
export function parseDer(der: Uint8Array): Asn1 {
  return fromDerWithOptions(forge.util.createBuffer(toBinary(der)), {
    strict: true,
    parseAllBytes: true,
    decodeBitStrings: false,
    maxDepth: MAX_ASN1_DEPTH,
  });
}

export function encodeDer(node: Asn1): Buffer {
  return fromBinary(forge.asn1.toDer(node).getBytes());
}

export function oidNode(oid: string): Asn1 {
  return asn1.create(Asn1Class.UNIVERSAL, Asn1Type.OID, false, asn1.oidToDer(oid).getBytes());
}

export function integerNode(value: number): Asn1 {
  return asn1.create(Asn1Class.UNIVERSAL, Asn1Type.INTEGER, false, asn1.integerToDer(value).getBytes());
}

export function octetStringNode(bytes: Uint8Array): Asn1 {
  return asn1.create(Asn1Class.UNIVERSAL, Asn1Type.OCTETSTRING, false, toBinary(bytes));
}

export function sequenceNode(children: Asn1[]): Asn1 {
  return asn1.create(Asn1Class.UNIVERSAL, Asn1Type.SEQUENCE, true, children);
}

export function setNode(children: Asn1[]): Asn1 {
  return asn1.create(Asn1Class.UNIVERSAL, Asn1Type.SET, true, children);
}

export function nullNode(): Asn1 {
  return asn1.create(Asn1Class.UNIVERSAL, Asn1Type.NULL, false, '');
}

/** `[tag] EXPLICIT` wrapper. */
export function explicitNode(tag: number, child: Asn1): Asn1 {
  return asn1.create(Asn1Class.CONTEXT_SPECIFIC, tag, true, [child]);
}

/** `[tag] IMPLICIT OCTET STRING`, primitive. */
export function implicitOctetsNode(tag: number, bytes: Uint8Array): Asn1 {
  return asn1.create(Asn1Class.CONTEXT_SPECIFIC, tag, false, toBinary(bytes));
}

export function bmpStringNode(text: string): Asn1 {
  return asn1.create(Asn1Class.UNIVERSAL, Asn1Type.BMPSTRING, false, text);
}

export type Pkcs12KdfHash = 'sha1' | 'sha256' | 'sha384' | 'sha512';

function messageDigest(hash: Pkcs12KdfHash): forge.md.MessageDigest {
  switch (hash) {
    case 'sha1':
      return forge.md.sha1.create();
    case 'sha256':
      return forge.md.sha256.create();
    case 'sha384':
      return forge.md.sha384.create();
    case 'sha512':
      return forge.md.sha512.create();
  }
}

/** Output length in bytes and the hash's output size, for cost accounting. */
export const PKCS12_KDF_DIGEST_BYTES: Record<Pkcs12KdfHash, number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

/**
 * RFC 7292 appendix B key derivation, forge's implementation (password as UTF-16BE code units
 * plus a two-byte terminator, which is what OpenSSL 3 does with a UTF-8 password). `id` is
 * 1 for a cipher key, 2 for an IV, 3 for a MAC key. Synchronous pure JS: about 1 µs per
 * iteration for SHA-256 on this kind of machine; callers bound `iterations` first.
 */
export function pkcs12Kdf(password: string, salt: Uint8Array, id: 1 | 2 | 3, iterations: number, length: number, hash: Pkcs12KdfHash): Buffer {
  const derived = forge.pkcs12.generateKey(password, forge.util.createBuffer(toBinary(salt)), id, iterations, length, messageDigest(hash));
  return fromBinary(derived.getBytes());
}

/**
 * RC2-CBC decryption with PKCS#7 padding; undefined when the input or the padding is wrong.
 * Forge's own unpadding only checks the last byte against the length, so the padding is checked
 * here in full.
 */
export function rc2CbcDecrypt(key: Buffer, effectiveBits: number, iv: Buffer, ciphertext: Buffer): Buffer | undefined {
  const padded = rc2CbcDecryptUnpadded(key, effectiveBits, iv, ciphertext);
  if (padded === undefined) return undefined;
  const pad = padded[padded.length - 1] ?? 0;
  if (pad < 1 || pad > 8 || pad > padded.length) return undefined;
  for (let i = padded.length - pad; i < padded.length; i++) {
    if (padded[i] !== pad) return undefined;
  }
  return padded.subarray(0, padded.length - pad);
}

/** RC2-CBC decryption of whole blocks, padding left in place (undefined for a partial block). */
export function rc2CbcDecryptUnpadded(key: Buffer, effectiveBits: number, iv: Buffer, ciphertext: Buffer): Buffer | undefined {
  if (ciphertext.length === 0 || ciphertext.length % 8 !== 0) return undefined;
  const cipher = forge.rc2.createDecryptionCipher(toBinary(key), effectiveBits);
  cipher.start(toBinary(iv));
  cipher.update(forge.util.createBuffer(toBinary(ciphertext)));
  if (!cipher.finish(() => true)) return undefined;
  return fromBinary(cipher.output.getBytes());
}

/** The pieces of forge's X.509 writer we use; signing itself is done by node:crypto. */
export const pki = forge.pki;
export type ForgeCertificate = forge.pki.Certificate;
export function getTbsCertificate(cert: ForgeCertificate): Asn1 {
  return (forge.pki as unknown as { getTBSCertificate: (cert: ForgeCertificate) => Asn1 }).getTBSCertificate(cert);
}
