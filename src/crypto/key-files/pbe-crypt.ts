/**
 * Decrypting and encrypting with a PbeScheme. PBKDF2, AES and 3DES come from node:crypto
 * (native, and PBKDF2 off the main thread — forge's JS PBKDF2 would take ~2.4 s at 600,000
 * iterations); the PKCS#12 KDF and RC2, which Node lacks, from forge (see forge-bridge.ts).
 * Derived keys are zeroed after use.
 */
import { createCipheriv, createDecipheriv, pbkdf2, randomBytes } from 'node:crypto';
import { pkcs12Kdf, rc2CbcDecrypt, rc2CbcDecryptUnpadded, type Asn1 } from './forge-bridge.js';
import { pbes2Aes256AlgorithmNode, type PbeScheme } from './pbe-scheme.js';

function pbkdf2Async(password: Buffer, salt: Buffer, iterations: number, length: number, digest: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    pbkdf2(password, salt, iterations, length, digest, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/**
 * PBES2 inside PKCS#12 takes the password's UTF-8 bytes as they are (OpenSSL does the same);
 * the PKCS#12 KDF takes it as UTF-16 (forge-bridge). A mismatch here shows as "wrong password".
 */
async function derivePbes2Key(scheme: Extract<PbeScheme, { kind: 'pbes2' }>, password: string): Promise<Buffer> {
  const passwordBytes = Buffer.from(password, 'utf8');
  try {
    return await pbkdf2Async(passwordBytes, scheme.salt, scheme.iterations, scheme.keyBytes, scheme.prf);
  } finally {
    passwordBytes.fill(0);
  }
}

function decipher(cipher: string, key: Buffer, iv: Buffer, ciphertext: Buffer, padded = true): Buffer | undefined {
  try {
    const d = createDecipheriv(cipher, key, iv);
    d.setAutoPadding(padded);
    return Buffer.concat([d.update(ciphertext), d.final()]);
  } catch {
    // Bad padding: wrong key (password) or altered ciphertext. The caller decides which.
    return undefined;
  }
}

/**
 * The plaintext, or undefined when the padding does not check out (wrong password or damage).
 * Callers must have priced the scheme (schemeWorkUnits) and checked the ciphertext length.
 */
export function pbeDecrypt(scheme: PbeScheme, ciphertext: Buffer, password: string): Promise<Buffer | undefined> {
  return decryptWith(scheme, ciphertext, password, true);
}

/**
 * The plaintext blocks with the padding left in place and unchecked: for telling a damaged
 * part from a wrong password (pfx-read.ts), where a flipped bit in the last block must not hide
 * that every other block decrypted to a key. Same pricing rule as pbeDecrypt.
 */
export function pbeDecryptUnpadded(scheme: PbeScheme, ciphertext: Buffer, password: string): Promise<Buffer | undefined> {
  return decryptWith(scheme, ciphertext, password, false);
}

async function decryptWith(scheme: PbeScheme, ciphertext: Buffer, password: string, padded: boolean): Promise<Buffer | undefined> {
  if (scheme.kind === 'pbes2') {
    const key = await derivePbes2Key(scheme, password);
    try {
      return decipher(scheme.cipher, key, scheme.iv, ciphertext, padded);
    } finally {
      key.fill(0);
    }
  }
  const key = pkcs12Kdf(password, scheme.salt, 1, scheme.iterations, scheme.keyBytes, 'sha1');
  const iv = pkcs12Kdf(password, scheme.salt, 2, scheme.iterations, 8, 'sha1');
  try {
    if (scheme.cipher === '3des') return decipher('des-ede3-cbc', key, iv, ciphertext, padded);
    return padded ? rc2CbcDecrypt(key, scheme.keyBytes * 8, iv, ciphertext) : rc2CbcDecryptUnpadded(key, scheme.keyBytes * 8, iv, ciphertext);
  } finally {
    key.fill(0);
  }
}

/** PBES2 / PBKDF2-HMAC-SHA256 / AES-256-CBC with fresh 16-byte salt and IV. */
export async function pbes2Encrypt(plaintext: Buffer, password: string, iterations: number): Promise<{ algorithm: Asn1; ciphertext: Buffer }> {
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  const passwordBytes = Buffer.from(password, 'utf8');
  const key = await pbkdf2Async(passwordBytes, salt, iterations, 32, 'sha256').finally(() => passwordBytes.fill(0));
  try {
    const cipher = createCipheriv('aes-256-cbc', key, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { algorithm: pbes2Aes256AlgorithmNode(salt, iterations, iv), ciphertext };
  } finally {
    key.fill(0);
  }
}
