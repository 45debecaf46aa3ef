import type { KeyObject } from 'node:crypto';
import { KeywardError } from '../../../domain/errors.js';
import type { OaepHash } from '../../../ports/vault.js';
import type { RsaOAEP } from 'pkcs11js';
import { CKZ_DATA_SPECIFIED, ck, findObjects, readAttribute, type Handle, type Pkcs11Api, type Template } from './pkcs11-api.js';

/**
 * Tenant private keys as RSA private key objects in the token: CKA_ID and CKA_LABEL are the
 * vault handle, the key is sensitive and not extractable, and it may only decrypt. Nothing here
 * ever reads a private component back.
 */
const HANDLE = /^[A-Za-z0-9_-]{1,100}$/;
const MAX_MODULUS_BYTES = 512; // RSA-4096

export function assertHandle(handle: string): void {
  if (!HANDLE.test(handle)) throw new RangeError('Vault handles are 1 to 100 letters, digits, _ or -.');
}

export const ckaIdOfHandle = (handle: string): Buffer => Buffer.from(handle, 'utf8');

/** Private keys under a handle (more than one only after two concurrent imports of one key). */
export function findPrivateKeys(p: Pkcs11Api, session: Handle, handle: string): Handle[] {
  return findObjects(p, session, [
    { type: ck.CKA_CLASS, value: ck.CKO_PRIVATE_KEY },
    { type: ck.CKA_ID, value: ckaIdOfHandle(handle) },
  ]);
}

/**
 * The handles of every RSA private key object in the token whose CKA_ID is a vault handle: the
 * token's own answer to "what do you hold", for reconciliation and a lock (SPEC L2). Objects
 * with any other CKA_ID (the provider key, an operator's own) are not Keyward's handles.
 */
export function listPrivateKeyHandles(p: Pkcs11Api, session: Handle): string[] {
  const handles = new Set<string>();
  for (const object of findObjects(p, session, [{ type: ck.CKA_CLASS, value: ck.CKO_PRIVATE_KEY }])) {
    const id = readAttribute(p, session, object, ck.CKA_ID).toString('utf8');
    if (HANDLE.test(id)) handles.add(id);
  }
  return [...handles].sort();
}

/** Every object of any class under a handle: what destroy must leave none of. */
export function findAllObjects(p: Pkcs11Api, session: Handle, handle: string): Handle[] {
  return findObjects(p, session, [{ type: ck.CKA_ID, value: ckaIdOfHandle(handle) }]);
}

interface RsaComponents {
  n: Buffer;
  e: Buffer;
  d: Buffer;
  p: Buffer;
  q: Buffer;
  dp: Buffer;
  dq: Buffer;
  qi: Buffer;
}

/**
 * The key's components as buffers the caller zeroes after use. (The JWK strings they come from
 * are immutable JS strings: they cannot be wiped, only dropped for the collector.)
 */
export function rsaComponents(privateKey: KeyObject): RsaComponents {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'rsa') throw new RangeError('Only RSA private keys go into the vault.');
  const jwk = privateKey.export({ format: 'jwk' });
  const parts = [jwk.n, jwk.e, jwk.d, jwk.p, jwk.q, jwk.dp, jwk.dq, jwk.qi];
  if (parts.some((part) => typeof part !== 'string') || 'oth' in jwk) throw new RangeError('Only two-prime RSA private keys go into the vault.');
  const [n, e, d, pp, q, dp, dq, qi] = parts.map((part) => Buffer.from(part!, 'base64url')) as [
    Buffer,
    Buffer,
    Buffer,
    Buffer,
    Buffer,
    Buffer,
    Buffer,
    Buffer,
  ];
  return { n, e, d, p: pp, q, dp, dq, qi };
}

export function wipe(components: RsaComponents): void {
  const { n, e, d, p, q, dp, dq, qi } = components;
  for (const part of [n, e, d, p, q, dp, dq, qi]) part.fill(0);
}

/** The key's numbers as PKCS#11 attributes: the one place that spells them out. */
export function rsaComponentAttributes(rsa: RsaComponents) {
  return [
    { type: ck.CKA_MODULUS, value: rsa.n },
    { type: ck.CKA_PUBLIC_EXPONENT, value: rsa.e },
    { type: ck.CKA_PRIVATE_EXPONENT, value: rsa.d },
    { type: ck.CKA_PRIME_1, value: rsa.p },
    { type: ck.CKA_PRIME_2, value: rsa.q },
    { type: ck.CKA_EXPONENT_1, value: rsa.dp },
    { type: ck.CKA_EXPONENT_2, value: rsa.dq },
    { type: ck.CKA_COEFFICIENT, value: rsa.qi },
  ];
}

export function createPrivateKeyObject(p: Pkcs11Api, session: Handle, handle: string, rsa: RsaComponents): Handle {
  const template: Template = [
    { type: ck.CKA_CLASS, value: ck.CKO_PRIVATE_KEY },
    { type: ck.CKA_KEY_TYPE, value: ck.CKK_RSA },
    { type: ck.CKA_TOKEN, value: true },
    { type: ck.CKA_PRIVATE, value: true },
    { type: ck.CKA_SENSITIVE, value: true },
    { type: ck.CKA_EXTRACTABLE, value: false },
    { type: ck.CKA_DECRYPT, value: true },
    { type: ck.CKA_SIGN, value: false },
    { type: ck.CKA_UNWRAP, value: false },
    { type: ck.CKA_LABEL, value: handle },
    { type: ck.CKA_ID, value: ckaIdOfHandle(handle) },
    ...rsaComponentAttributes(rsa),
  ];
  return p.C_CreateObject(session, template);
}

const stripZeros = (b: Buffer): Buffer => {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i += 1;
  return b.subarray(i);
};

/** Whether an object in the token is the same RSA key: its public half (never secret) matches. */
export function holdsSameKey(p: Pkcs11Api, session: Handle, object: Handle, rsa: Pick<RsaComponents, 'n' | 'e'>): boolean {
  const modulus = stripZeros(readAttribute(p, session, object, ck.CKA_MODULUS));
  const exponent = stripZeros(readAttribute(p, session, object, ck.CKA_PUBLIC_EXPONENT));
  return modulus.equals(stripZeros(rsa.n)) && exponent.equals(stripZeros(rsa.e));
}

export function conflict(): KeywardError {
  return new KeywardError('CONFLICT', 'The vault already holds another key under this handle.');
}

const OAEP_HASH: Record<OaepHash, { hashAlg: number; mgf: number }> = {
  sha256: { hashAlg: ck.CKM_SHA256, mgf: ck.CKG_MGF1_SHA256 },
  sha1: { hashAlg: ck.CKM_SHA_1, mgf: ck.CKG_MGF1_SHA1 },
};

/** RSA-OAEP inside the token: MGF1 with the same hash, empty label. */
export async function oaepDecrypt(p: Pkcs11Api, session: Handle, key: Handle, ciphertext: Buffer, hash: OaepHash): Promise<Buffer> {
  const { hashAlg, mgf } = OAEP_HASH[hash];
  const parameter: RsaOAEP = { type: ck.CK_PARAMS_RSA_OAEP, hashAlg, mgf, source: CKZ_DATA_SPECIFIED };
  p.C_DecryptInit(session, { mechanism: ck.CKM_RSA_PKCS_OAEP, parameter }, key);
  const out = Buffer.alloc(MAX_MODULUS_BYTES);
  try {
    return Buffer.from(await p.C_DecryptAsync(session, ciphertext, out));
  } finally {
    out.fill(0);
  }
}
