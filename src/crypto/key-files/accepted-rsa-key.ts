/**
 * The one gate every imported private key passes (from .pfx or .byok): it becomes a Node
 * KeyObject at once, and is accepted only if it is an RSA (rsaEncryption) key of an accepted
 * size whose numbers and halves match. From here on all crypto on it is node:crypto.
 */
import {
  constants,
  createPrivateKey,
  createPublicKey,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  timingSafeEqual,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { invalidKeyFile } from './key-file-errors.js';
import { ACCEPTED_RSA_SIZES, isAcceptedRsaSize, type RsaKeySize } from './key-file-limits.js';
import { thumbprintOf } from './thumbprint.js';

/** What reading a key file yields. */
export interface KeyFileKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** SHA-256 of the SubjectPublicKeyInfo DER, lowercase hex. */
  thumbprint: string;
  keySize: RsaKeySize;
}

const OTHER_KEY_TYPES: Readonly<Record<string, string>> = {
  ec: 'an EC',
  dsa: 'a DSA',
  dh: 'a Diffie-Hellman',
  ed25519: 'an Ed25519',
  ed448: 'an Ed448',
  x25519: 'an X25519',
  x448: 'an X448',
};

const SIZES_TEXT = `${ACCEPTED_RSA_SIZES.slice(0, -1).join(', ')} or ${ACCEPTED_RSA_SIZES.at(-1)} bits`;

function bigIntOf(base64url: string | undefined): bigint {
  const hex = Buffer.from(base64url ?? '', 'base64url').toString('hex');
  return hex === '' ? 0n : BigInt(`0x${hex}`);
}

/**
 * The private key's numbers agree with each other: n = p·q, dP = d mod (p−1), dQ = d mod (q−1),
 * e·dP ≡ 1 (mod p−1), e·dQ ≡ 1 (mod q−1), qInv·q ≡ 1 (mod p). OpenSSL decrypts with the CRT
 * values and silently falls back to d when they disagree, so a damaged d or dP would pass the
 * probe below and then fail in another implementation (an HSM) later. Multiplications and
 * remainders only: microseconds. (BigInt is not constant-time; the only party who could time
 * this is the uploader, who holds the key anyway.)
 */
function numbersAgree(privateKey: KeyObject): boolean {
  let jwk: JsonWebKey;
  try {
    jwk = privateKey.export({ format: 'jwk' });
  } catch {
    return false;
  }
  if (jwk.oth !== undefined) return false; // multi-prime RSA
  const [n, e, d, p, q, dp, dq, qi] = [jwk.n, jwk.e, jwk.d, jwk.p, jwk.q, jwk.dp, jwk.dq, jwk.qi].map(bigIntOf) as [
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
  ];
  if (p <= 1n || q <= 1n || p === q) return false;
  return p * q === n && d % (p - 1n) === dp && d % (q - 1n) === dq && (e * dp) % (p - 1n) === 1n && (e * dq) % (q - 1n) === 1n && (qi * q) % p === 1n;
}

/**
 * Encrypts a random probe to the public half and decrypts it with the private half. A key whose
 * halves disagree (damaged CRT values, a spliced public modulus) would wrap data keys that it can
 * never unwrap again; this is the one moment we can still refuse it.
 */
function halvesMatch(privateKey: KeyObject, publicKey: KeyObject): boolean {
  const probe = randomBytes(32);
  try {
    const options = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' };
    const wrapped = publicEncrypt({ key: publicKey, ...options }, probe);
    const unwrapped = privateDecrypt({ key: privateKey, ...options }, wrapped);
    return unwrapped.length === probe.length && timingSafeEqual(unwrapped, probe);
  } catch {
    return false;
  }
}

/**
 * `source` starts the messages ("The .pfx file", "The .byok file"). The caller zeroes `pkcs8`
 * afterwards; the KeyObject holds its own copy.
 */
export function acceptRsaPrivateKey(pkcs8: Buffer, source: string): KeyFileKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  } catch {
    throw invalidKeyFile(`${source} holds a private key that cannot be read (not a valid PKCS#8 key).`);
  }
  const type = privateKey.asymmetricKeyType ?? 'unknown';
  if (type === 'rsa-pss') {
    throw invalidKeyFile(
      `${source} holds an RSA-PSS key, which is restricted to signing; Keyward needs an RSA ` +
        `(rsaEncryption) key of ${SIZES_TEXT} to wrap data keys.`,
    );
  }
  if (type !== 'rsa') {
    const what = OTHER_KEY_TYPES[type] ?? 'a non-RSA';
    throw invalidKeyFile(`${source} holds ${what} key; Keyward needs an RSA key of ${SIZES_TEXT}.`);
  }
  const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (!isAcceptedRsaSize(bits)) {
    throw invalidKeyFile(`${source} holds an RSA key of ${bits} bits; Keyward accepts RSA keys of ${SIZES_TEXT}.`);
  }
  const exponent = privateKey.asymmetricKeyDetails?.publicExponent ?? 0n;
  if (exponent < 3n || exponent % 2n === 0n || exponent >= 1n << 64n) {
    throw invalidKeyFile(`${source} holds an RSA key with an unusable public exponent.`);
  }
  const publicKey = createPublicKey(privateKey);
  if (!numbersAgree(privateKey) || !halvesMatch(privateKey, publicKey)) {
    throw invalidKeyFile(`${source} holds an inconsistent RSA key: its private and public numbers do not belong together.`);
  }
  return { privateKey, publicKey, thumbprint: thumbprintOf(publicKey), keySize: bits };
}
