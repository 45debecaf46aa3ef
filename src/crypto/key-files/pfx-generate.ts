/**
 * Generating a tenant key and handing it out, once, as a password-protected .pfx.
 *
 * Why the file is assembled here rather than by `forge.pkcs12.toPkcs12Asn1` (node-forge 1.4.3):
 * - forge can write PBES2 / PBKDF2-HMAC-SHA256 / AES-256-CBC bags (untyped option
 *   `prfAlgorithm: 'sha256'`), but its MAC is HMAC-SHA-1, hard-coded; OpenSSL 3 and the spec
 *   want SHA-256. It also leaves the certificate bag unencrypted.
 * - everything runs in JavaScript on the main thread: a 600,000-iteration file takes ~2.8 s to
 *   write (and as long to read back), where Node's native PBKDF2 takes ~0.1 s on the thread pool;
 * - it needs the private key as a forge object, spreading key material over JS big integers
 *   that cannot be wiped.
 * pkijs writes SHA-256 MACs but cannot read the legacy RC2/3DES files the reader must accept;
 * one library for both sides keeps one ASN.1 dependency. So: node:crypto makes the key (async),
 * and does PBKDF2, AES-256-CBC, HMAC-SHA256 and the certificate signature; forge.asn1 only
 * encodes structures; the one piece of forge crypto is the PKCS#12 KDF for the MAC key, which
 * Node does not have (RFC 7292 appendix B; ~0.7 s at 600,000 iterations, synchronous — see
 * INVARIANTS.md).
 * OpenSSL 3 reads the result without -legacy; the tests check that on every run.
 *
 * The password is used, never kept: nothing here writes it anywhere, and it is not part of
 * any error message.
 */
import type { KeyObject } from 'node:crypto';
import { assemblePfx, certBag, shroudedKeyBag, type BagAttributes } from './pfx-assemble.js';
import type { KeyFileKey } from './accepted-rsa-key.js';
import { isPrintableText } from '../../domain/names.js';
import { invalidInput } from './key-file-errors.js';
import {
  DEFAULT_CERTIFICATE_VALIDITY_DAYS,
  DEFAULT_PFX_ITERATIONS,
  isAcceptedRsaSize,
  MAX_KDF_ITERATIONS,
  type RsaKeySize,
} from './key-file-limits.js';
import { generateRsaKeyPair } from './rsa-key-pair.js';
import { selfSignedCertificate } from './self-signed-certificate.js';
import { thumbprintOf } from './thumbprint.js';

export interface WritePfxInput {
  keyName: string;
  tenantName: string;
  password: string;
  /** Start of the certificate's validity. */
  now: Date;
  /** PBKDF2 and MAC iteration count; default 600,000. Lower only in tests. */
  iterations?: number;
  certificateValidityDays?: number;
}

export interface GeneratePfxInput extends WritePfxInput {
  keySize?: RsaKeySize;
}

export interface GeneratedPfx extends KeyFileKey {
  /** The .pfx file, to hand to the admin once. */
  pfx: Buffer;
  /** DER of the self-signed certificate inside it. */
  certificate: Buffer;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function checkInput(input: WritePfxInput): { iterations: number; validityDays: number } {
  const iterations = input.iterations ?? DEFAULT_PFX_ITERATIONS;
  const validityDays = input.certificateValidityDays ?? DEFAULT_CERTIFICATE_VALIDITY_DAYS;
  if (typeof input.password !== 'string' || input.password.length === 0) {
    throw invalidInput('A password is required to protect the .pfx file.');
  }
  // Other tools could not type such a password (NUL) or would encode it differently (lone surrogates).
  if (input.password.includes('\u0000') || LONE_SURROGATE.test(input.password)) {
    throw invalidInput('The password contains characters that other tools cannot enter.');
  }
  if (input.keyName.trim() === '' || input.tenantName.trim() === '') {
    throw invalidInput('The key name and the tenant name must not be empty.');
  }
  // They become the certificate's subject and the bags' friendlyName (BMPString): text only.
  if (!isPrintableText(input.keyName) || !isPrintableText(input.tenantName)) {
    throw invalidInput('The key name and the tenant name must be printable text (no control characters, noncharacters or invalid UTF-16).');
  }
  if (!(input.now instanceof Date) || Number.isNaN(input.now.getTime())) throw invalidInput('`now` is not a valid date.');
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > MAX_KDF_ITERATIONS) {
    throw invalidInput(`The iteration count must be an integer from 1 to ${MAX_KDF_ITERATIONS}.`);
  }
  if (!Number.isSafeInteger(validityDays) || validityDays < 1 || validityDays > 36_500) {
    throw invalidInput('The certificate validity must be from 1 to 36,500 days.');
  }
  return { iterations, validityDays };
}

/** Writes an existing RSA private key as a .pfx (Keyward's layout, see pfx-assemble.ts). */
export async function writePfx(input: WritePfxInput & { privateKey: KeyObject; publicKey: KeyObject }): Promise<GeneratedPfx> {
  const { iterations, validityDays } = checkInput(input);
  const keySize = input.privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (input.privateKey.asymmetricKeyType !== 'rsa' || !isAcceptedRsaSize(keySize)) {
    throw invalidInput('Only RSA keys of 2048, 3072 or 4096 bits can be written as a tenant key .pfx.');
  }
  const thumbprint = thumbprintOf(input.publicKey);
  const certificate = selfSignedCertificate({
    privateKey: input.privateKey,
    publicKey: input.publicKey,
    keyName: input.keyName,
    tenantName: input.tenantName,
    notBefore: input.now,
    validityDays,
  });
  const attributes: BagAttributes = { localKeyId: Buffer.from(thumbprint, 'hex'), friendlyName: input.keyName };
  const pkcs8 = input.privateKey.export({ type: 'pkcs8', format: 'der' });
  try {
    const keyBag = shroudedKeyBag(pkcs8, input.password, iterations, attributes);
    const pfx = await assemblePfx(
      [
        { bags: [certBag(certificate, attributes)], encrypt: true },
        { bags: [keyBag], encrypt: false },
      ],
      input.password,
      iterations,
    );
    return { pfx, certificate, privateKey: input.privateKey, publicKey: input.publicKey, thumbprint, keySize };
  } finally {
    pkcs8.fill(0);
  }
}

/** Makes a new RSA key (2048 bits unless asked) and its .pfx. */
export async function generatePfx(input: GeneratePfxInput): Promise<GeneratedPfx> {
  const keySize = input.keySize ?? 2048;
  if (!isAcceptedRsaSize(keySize)) throw invalidInput('The key size must be 2048, 3072 or 4096 bits.');
  checkInput(input);
  const { privateKey, publicKey } = await generateRsaKeyPair(keySize);
  return writePfx({ ...input, privateKey, publicKey });
}
