/**
 * Reading a .byok (Azure Key Vault BYOK transfer blob, CKM_RSA_AES_KEY_WRAP):
 *   ciphertext = RSA-OAEP-SHA1(KEK public)(aesKey) ‖ AES-KWP(aesKey)(PKCS#8 of the tenant key)
 * All crypto is node:crypto; the unwrapped key goes through the same gate as a .pfx key.
 *
 * Errors, all INVALID_KEY_FILE, each naming what is wrong: size, not UTF-8/JSON, wrong schema,
 * alg or enc, bad base64url, unknown kid (a KEK of another tenant or region is reported as
 * unknown, so nobody learns about KEKs that are not theirs), expired KEK, wrong length, and
 * "cannot be unwrapped". The last one is one message for both the RSA and the AES-KWP step on
 * purpose: telling them apart would tell a sender whether their OAEP block was valid.
 */
import { constants, createDecipheriv, privateDecrypt, type KeyObject } from 'node:crypto';
import { isKeywardError } from '../../domain/errors.js';
import { acceptRsaPrivateKey, type KeyFileKey } from './accepted-rsa-key.js';
import { invalidInput, invalidKeyFile } from './key-file-errors.js';
import { MAX_BYOK_BYTES } from './key-file-limits.js';

/**
 * What the caller knows about a KEK it issued. The KEK's private half stays wherever the caller
 * keeps it (the vault): the reader only asks it to do the RSA-OAEP step (`decryptHead`).
 */
export interface KekRecord {
  expiresAt: Date;
  tenantId: string;
  region: string;
  /** The KEK's modulus size: the length of the RSA part of the ciphertext. */
  modulusBits: number;
  /** RSA-OAEP (SHA-1, MGF1-SHA-1, empty label) decryption with the KEK's private half. */
  decryptHead(head: Buffer): Promise<Buffer>;
}

/** A KekRecord over a private key held in this process (tests, tools). */
export function kekRecordOf(kek: { privateKey: KeyObject; expiresAt: Date; tenantId: string; region: string }): KekRecord {
  return {
    expiresAt: kek.expiresAt,
    tenantId: kek.tenantId,
    region: kek.region,
    modulusBits: kek.privateKey.asymmetricKeyDetails?.modulusLength ?? 0,
    decryptHead: (head) =>
      Promise.resolve(privateDecrypt({ key: kek.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, head)),
  };
}

/** KEKs by kid: a Map (a kid like "__proto__" is just an unknown kid), or a lookup. */
export type KekLookup = ReadonlyMap<string, KekRecord> | ((kid: string) => Promise<KekRecord | undefined>);

export interface ReadByokInput {
  keks: KekLookup;
  tenantId: string;
  region: string;
  now: Date;
}

const SOURCE = 'The .byok file';
const ENC = 'CKM_RSA_AES_KEY_WRAP';
/** RFC 5649 alternative initial value. */
const KWP_IV = Buffer.from('A65959A6', 'hex');
const KWP_CIPHERS: Readonly<Record<number, string>> = { 16: 'id-aes128-wrap-pad', 24: 'id-aes192-wrap-pad', 32: 'id-aes256-wrap-pad' };
/** Node's base64 decoder skips junk silently, so the text is checked first. */
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;
const SHOWABLE_KID = /^[A-Za-z0-9._:/-]{1,100}$/;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(object: Json, name: string): unknown {
  return Object.hasOwn(object, name) ? object[name] : undefined;
}

function parseJson(file: Uint8Array | string): Json {
  let text: string;
  if (typeof file === 'string') {
    text = file;
  } else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(file);
    } catch {
      throw invalidKeyFile(`${SOURCE} is not UTF-8 text.`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidKeyFile(`${SOURCE} is not JSON.`);
  }
  if (!isObject(parsed)) throw invalidKeyFile(`${SOURCE} must be a JSON object.`);
  return parsed;
}

interface ByokEnvelope {
  kid: string;
  ciphertext: Buffer;
}

function readEnvelope(json: Json): ByokEnvelope {
  const schema = field(json, 'schema_version');
  if (typeof schema !== 'string' || !/^1\.\d{1,3}\.\d{1,3}$/.test(schema)) {
    throw invalidKeyFile(`${SOURCE} has a missing or unsupported schema_version (Keyward reads 1.x).`);
  }
  const header = field(json, 'header');
  if (!isObject(header)) throw invalidKeyFile(`${SOURCE} has no header object.`);
  const kid = field(header, 'kid');
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > 1024) {
    throw invalidKeyFile(`${SOURCE} has a missing or malformed header.kid.`);
  }
  if (field(header, 'alg') !== 'dir') throw invalidKeyFile(`${SOURCE} has header.alg other than "dir".`);
  if (field(header, 'enc') !== ENC) {
    throw invalidKeyFile(`${SOURCE} has header.enc other than "${ENC}"; Keyward imports only ${ENC} transfer blobs.`);
  }
  const text = field(json, 'ciphertext');
  if (typeof text !== 'string' || text.length === 0) throw invalidKeyFile(`${SOURCE} has no ciphertext.`);
  const unpadded = text.replace(/=+$/, '');
  if (!BASE64URL.test(text) || unpadded.length % 4 === 1 || (unpadded.length !== text.length && text.length % 4 !== 0)) {
    throw invalidKeyFile(`${SOURCE} has a ciphertext that is not base64url text.`);
  }
  return { kid, ciphertext: Buffer.from(unpadded, 'base64url') };
}

async function findKek(kid: string, input: ReadByokInput): Promise<KekRecord> {
  const kek = typeof input.keks === 'function' ? await input.keks(kid) : input.keks.get(kid);
  if (kek === undefined || kek.tenantId !== input.tenantId || kek.region !== input.region) {
    const named = SHOWABLE_KID.test(kid) ? ` (${kid})` : '';
    throw invalidKeyFile(
      `${SOURCE} was made for a key-exchange key${named} that Keyward did not issue to this tenant in this region; ` +
        'download the key-exchange key for this region and wrap the key again.',
    );
  }
  if (input.now.getTime() >= kek.expiresAt.getTime()) {
    throw invalidKeyFile(
      `${SOURCE} was made for a key-exchange key that expired at ${kek.expiresAt.toISOString()}; ` +
        'download a new key-exchange key and wrap the key again.',
    );
  }
  return kek;
}

function cannotUnwrap(): never {
  throw invalidKeyFile(
    `${SOURCE} cannot be unwrapped with the key-exchange key it names: it was wrapped for another ` + 'key-exchange key, or it has been altered.',
  );
}

/** The PKCS#8 DER inside, or a thrown INVALID_KEY_FILE. */
async function unwrap(ciphertext: Buffer, kek: KekRecord): Promise<Buffer> {
  const rsaBytes = Math.ceil(kek.modulusBits / 8);
  const wrappedBytes = ciphertext.length - rsaBytes;
  // AES-KWP output is a multiple of 8 bytes and at least 16.
  if (rsaBytes === 0 || wrappedBytes < 16 || wrappedBytes % 8 !== 0) {
    throw invalidKeyFile(`${SOURCE} has a ciphertext of the wrong length for ${ENC} under its key-exchange key.`);
  }
  let aesKey: Buffer;
  try {
    aesKey = await kek.decryptHead(ciphertext.subarray(0, rsaBytes));
  } catch {
    return cannotUnwrap();
  }
  try {
    const cipher = KWP_CIPHERS[aesKey.length];
    if (cipher === undefined) return cannotUnwrap();
    const decipher = createDecipheriv(cipher, aesKey, KWP_IV);
    return Buffer.concat([decipher.update(ciphertext.subarray(rsaBytes)), decipher.final()]);
  } catch {
    return cannotUnwrap();
  } finally {
    aesKey.fill(0);
  }
}

/**
 * Opens a .byok made for one of `keks`, for the expected tenant and region, at `now`.
 * Throws KeywardError INVALID_KEY_FILE (nothing else) when the file cannot be used.
 */
export async function readByok(file: Uint8Array | string, input: ReadByokInput): Promise<KeyFileKey> {
  if (!(input.now instanceof Date) || Number.isNaN(input.now.getTime())) throw invalidInput('`now` is not a valid date.');
  const size = typeof file === 'string' ? Buffer.byteLength(file, 'utf8') : file.byteLength;
  if (size === 0) throw invalidKeyFile(`${SOURCE} is empty.`);
  if (size > MAX_BYOK_BYTES) {
    throw invalidKeyFile(`${SOURCE} is larger than ${MAX_BYOK_BYTES / 1024} KiB; a transfer blob is a few KiB. Check that this is the right file.`);
  }
  try {
    const envelope = readEnvelope(parseJson(file));
    const kek = await findKek(envelope.kid, input);
    const pkcs8 = await unwrap(envelope.ciphertext, kek);
    try {
      return acceptRsaPrivateKey(pkcs8, SOURCE);
    } finally {
      pkcs8.fill(0);
    }
  } catch (error) {
    if (isKeywardError(error)) throw error;
    // Unforeseen failure on hostile input; its message is dropped as it may quote the input.
    throw invalidKeyFile(`${SOURCE} is damaged or uses a structure Keyward cannot read.`);
  }
}
