import { randomBytes } from 'node:crypto';
import { ck, findObjects, readAttribute, type Handle, type Pkcs11Api } from './pkcs11-api.js';

/**
 * The provider key: one AES-256 secret key object in the token, generated there, sensitive and
 * not extractable, usable only to encrypt and decrypt (AES-GCM inside the token).
 *
 * Identity: its CKA_ID, shown as `hsm-<hex>`. Ids Keyward generates start with a zero byte, which
 * no tenant-key handle (letters, digits, `_`, `-`) can, so a handle never names a provider key.
 *
 * Two instances starting at once on an empty token may each generate one. Both search again
 * after generating and take the lowest CKA_ID; if one searched before the other's key existed
 * they may disagree until their next start, which is harmless: every provider key found in the
 * token with the label opens what it sealed, and none is ever destroyed by Keyward.
 */
export const PROVIDER_KEY_ID_PREFIX = 'hsm-';
const ID_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface ProviderKey {
  /** `hsm-<hex of CKA_ID>`: what wrapped keys record. */
  id: string;
  handle: Handle;
}

export const providerKeyIdOf = (ckaId: Buffer): string => PROVIDER_KEY_ID_PREFIX + ckaId.toString('hex');

/** The CKA_ID a provider key id stands for, or undefined if it is not one of ours. */
export function ckaIdOfProviderKey(id: string): Buffer | undefined {
  if (!id.startsWith(PROVIDER_KEY_ID_PREFIX)) return undefined;
  const hex = id.slice(PROVIDER_KEY_ID_PREFIX.length);
  // 62 bytes at most: the id must fit a wrapped key's 128-character header part.
  return /^(?:[0-9a-f]{2}){1,62}$/.test(hex) ? Buffer.from(hex, 'hex') : undefined;
}

function searchTemplate(label: string, ckaId?: Buffer) {
  return [
    { type: ck.CKA_CLASS, value: ck.CKO_SECRET_KEY },
    { type: ck.CKA_KEY_TYPE, value: ck.CKK_AES },
    { type: ck.CKA_LABEL, value: label },
    ...(ckaId ? [{ type: ck.CKA_ID, value: ckaId }] : []),
  ];
}

/** Every provider key in the token under this label, lowest CKA_ID first. */
export function findProviderKeys(p: Pkcs11Api, session: Handle, label: string, ckaId?: Buffer): ProviderKey[] {
  return findObjects(p, session, searchTemplate(label, ckaId))
    .map((handle) => ({ handle, ckaId: readAttribute(p, session, handle, ck.CKA_ID) }))
    .sort((a, b) => Buffer.compare(a.ckaId, b.ckaId))
    .map(({ handle, ckaId: id }) => ({ id: providerKeyIdOf(id), handle }));
}

/** Generates a new provider key in the token (the caller searches again afterwards). */
export function generateProviderKey(p: Pkcs11Api, session: Handle, label: string): void {
  const ckaId = Buffer.concat([Buffer.alloc(1), randomBytes(ID_BYTES - 1)]);
  p.C_GenerateKey(session, { mechanism: ck.CKM_AES_KEY_GEN }, [
    { type: ck.CKA_CLASS, value: ck.CKO_SECRET_KEY },
    { type: ck.CKA_KEY_TYPE, value: ck.CKK_AES },
    { type: ck.CKA_VALUE_LEN, value: 32 },
    { type: ck.CKA_TOKEN, value: true },
    { type: ck.CKA_PRIVATE, value: true },
    { type: ck.CKA_SENSITIVE, value: true },
    { type: ck.CKA_EXTRACTABLE, value: false },
    { type: ck.CKA_ENCRYPT, value: true },
    { type: ck.CKA_DECRYPT, value: true },
    { type: ck.CKA_WRAP, value: false },
    { type: ck.CKA_UNWRAP, value: false },
    { type: ck.CKA_SIGN, value: false },
    { type: ck.CKA_VERIFY, value: false },
    { type: ck.CKA_DERIVE, value: false },
    { type: ck.CKA_LABEL, value: label },
    { type: ck.CKA_ID, value: ckaId },
  ]);
}

/**
 * A key someone else put in the token under our label must be as safe as one we generate: a
 * provider key that can leave the HSM protects nothing the software vault would not.
 */
export function assertNonExtractable(p: Pkcs11Api, session: Handle, key: ProviderKey): void {
  const sensitive = readAttribute(p, session, key.handle, ck.CKA_SENSITIVE)[0] === 1;
  const extractable = readAttribute(p, session, key.handle, ck.CKA_EXTRACTABLE)[0] === 1;
  if (!sensitive || extractable) {
    throw new Error(
      `The provider key ${key.id} in the HSM can be extracted (CKA_SENSITIVE false or CKA_EXTRACTABLE true); Keyward uses only keys that cannot leave the token.`,
    );
  }
}

function gcm(iv: Buffer, aad: Buffer) {
  return {
    mechanism: ck.CKM_AES_GCM,
    parameter: { type: ck.CK_PARAMS_AES_GCM, iv, aad, ivBits: IV_BYTES * 8, tagBits: TAG_BYTES * 8 },
  };
}

/**
 * AES-256-GCM inside the token. Layout as the software vault's: iv ‖ ciphertext ‖ tag. The IV
 * is 96 random bits per seal, so one key stays well inside GCM's limits for 2^32 seals (one per
 * DEK wrap: far more than a deployment makes).
 */
export async function sealInToken(p: Pkcs11Api, session: Handle, key: Handle, plaintext: Buffer, aad: Buffer): Promise<Buffer> {
  const iv = randomBytes(IV_BYTES);
  p.C_EncryptInit(session, gcm(iv, aad), key);
  const body = await p.C_EncryptAsync(session, plaintext, Buffer.alloc(plaintext.length + TAG_BYTES));
  return Buffer.concat([iv, body]);
}

export async function openInToken(p: Pkcs11Api, session: Handle, key: Handle, sealed: Buffer, aad: Buffer): Promise<Buffer> {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error('sealed bytes too short');
  p.C_DecryptInit(session, gcm(sealed.subarray(0, IV_BYTES), aad), key);
  const out = Buffer.alloc(sealed.length);
  try {
    return Buffer.from(await p.C_DecryptAsync(session, sealed.subarray(IV_BYTES), out));
  } finally {
    out.fill(0);
  }
}
