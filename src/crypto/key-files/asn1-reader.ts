/**
 * Typed reading of a parsed DER tree (forge does the decoding). Each accessor checks one node's
 * tag and returns its content, or throws ShapeError naming the part that is wrong — the part's
 * name comes from the caller's code, never from the file. Walking the tree with these, rather
 * than with forge's `asn1.validate` templates, keeps every optional field explicit (forge's
 * validator had a field-skipping bug, CVE-2025-12816).
 */
import { asn1, Asn1Class, Asn1Type, fromBinary, parseDer, type Asn1 } from './forge-bridge.js';
import { ShapeError } from './key-file-errors.js';

type Asn1Type = (typeof Asn1Type)[keyof typeof Asn1Type];

/** Decodes DER/BER; forge's own errors (which may quote lengths and offsets) become a ShapeError. */
export function readDer(bytes: Buffer, part: string): Asn1 {
  try {
    return parseDer(bytes);
  } catch {
    throw new ShapeError(`${part} is truncated or not valid ASN.1`);
  }
}

function children(node: Asn1, part: string): Asn1[] {
  if (!node.constructed || !Array.isArray(node.value)) throw new ShapeError(`${part} is malformed`);
  return node.value;
}

function primitive(node: Asn1, part: string): string {
  if (node.constructed || typeof node.value !== 'string') throw new ShapeError(`${part} is malformed`);
  return node.value;
}

function isUniversal(node: Asn1 | undefined, type: Asn1Type): node is Asn1 {
  return node !== undefined && node.tagClass === Asn1Class.UNIVERSAL && node.type === type;
}

function isContextTag(node: Asn1 | undefined, tag: number): node is Asn1 {
  return node !== undefined && node.tagClass === Asn1Class.CONTEXT_SPECIFIC && (node.type as number) === tag;
}

/** A SEQUENCE with between `min` and `max` elements. */
export function readSequence(node: Asn1 | undefined, part: string, min = 0, max = Number.MAX_SAFE_INTEGER): Asn1[] {
  if (!isUniversal(node, Asn1Type.SEQUENCE)) throw new ShapeError(`${part} is missing or malformed`);
  const items = children(node, part);
  if (items.length < min || items.length > max) throw new ShapeError(`${part} has an unexpected number of fields`);
  return items;
}

export function readOid(node: Asn1 | undefined, part: string): string {
  if (!isUniversal(node, Asn1Type.OID)) throw new ShapeError(`${part} is missing or malformed`);
  const bytes = primitive(node, part);
  if (bytes.length === 0 || bytes.length > 64) throw new ShapeError(`${part} is malformed`);
  try {
    return asn1.derToOid(bytes);
  } catch {
    throw new ShapeError(`${part} is malformed`);
  }
}

/**
 * A non-negative INTEGER of at most 31 bits, within [min, max]. Anything larger is not a
 * count or a version any real file uses, so it is refused rather than parsed as a big number.
 */
export function readSmallInteger(node: Asn1 | undefined, part: string, min: number, max: number): number {
  if (!isUniversal(node, Asn1Type.INTEGER)) throw new ShapeError(`${part} is missing or malformed`);
  const bytes = fromBinary(primitive(node, part));
  if (bytes.length === 0) throw new ShapeError(`${part} is malformed`);
  const significant = bytes[0] === 0 && bytes.length > 1 ? bytes.subarray(1) : bytes;
  if ((bytes[0] ?? 0) & 0x80 || significant.length > 4) throw new ShapeError(`${part} is out of range`);
  const value = significant.readUIntBE(0, significant.length);
  if (value < min || value > max) throw new ShapeError(`${part} is out of range`);
  return value;
}

/**
 * Octets of a string-like node: primitive, or (BER) constructed from primitive chunks of the same
 * kind, as some PKCS#12 writers emit.
 */
function readStringOctets(node: Asn1, part: string, depth = 0): Buffer {
  if (!node.constructed) return fromBinary(primitive(node, part));
  if (depth > 2) throw new ShapeError(`${part} is malformed`);
  const chunks = children(node, part).map((chunk) => {
    if (!isUniversal(chunk, Asn1Type.OCTETSTRING)) throw new ShapeError(`${part} is malformed`);
    return readStringOctets(chunk, part, depth + 1);
  });
  return Buffer.concat(chunks);
}

export function readOctetString(node: Asn1 | undefined, part: string): Buffer {
  if (!isUniversal(node, Asn1Type.OCTETSTRING)) throw new ShapeError(`${part} is missing or malformed`);
  return readStringOctets(node, part);
}

/** `[tag] EXPLICIT X`: the one node inside. */
export function readExplicit(node: Asn1 | undefined, tag: number, part: string): Asn1 {
  if (!isContextTag(node, tag)) throw new ShapeError(`${part} is missing or malformed`);
  const inner = children(node, part);
  if (inner.length !== 1 || inner[0] === undefined) throw new ShapeError(`${part} is malformed`);
  return inner[0];
}

/** `[tag] IMPLICIT OCTET STRING`, primitive or constructed. */
export function readImplicitOctets(node: Asn1 | undefined, tag: number, part: string): Buffer {
  if (!isContextTag(node, tag)) throw new ShapeError(`${part} is missing or malformed`);
  return readStringOctets(node, part);
}

/** An AlgorithmIdentifier: its OID and its (optional) parameters node. */
export function readAlgorithm(node: Asn1 | undefined, part: string): { oid: string; params: Asn1 | undefined } {
  const [oidNode, params] = readSequence(node, part, 1, 2);
  return { oid: readOid(oidNode, part), params };
}

export function isNullOrAbsent(node: Asn1 | undefined): boolean {
  return node === undefined || (isUniversal(node, Asn1Type.NULL) && !node.constructed && node.value === '');
}
