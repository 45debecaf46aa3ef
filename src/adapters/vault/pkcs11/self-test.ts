import { constants, generateKeyPair, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { OaepHash } from '../../../ports/vault.js';
import { ck, type Handle, type Pkcs11Api } from './pkcs11-api.js';
import { describeFailure, isUnsupported } from './pkcs11-errors.js';
import { openInToken, sealInToken } from './provider-key.js';
import { oaepDecrypt, rsaComponentAttributes, rsaComponents, wipe } from './private-keys.js';

/**
 * Checks run at start, so a token that cannot do what Keyward needs fails the start, not the
 * first customer's unlock. They create nothing that outlives the session (session objects only).
 */

/** Preferred first; what the vault advertises is the subset the token proves it can do. */
const OAEP_CANDIDATES: readonly OaepHash[] = ['sha256', 'sha1'];

/** Runs an operation on a pooled session (a session that saw a failure is not reused). */
export type UseSession = <T>(operation: (session: Handle) => Promise<T>) => Promise<T>;

/**
 * Seal and open a random value with the provider key, and make sure the token really binds the
 * associated data (an HSM that ignored it would let a DEK move between environments).
 */
export async function checkProviderKey(p: Pkcs11Api, use: UseSession, key: Handle): Promise<void> {
  const secret = randomBytes(32);
  const aad = Buffer.from('keyward|self-test|a', 'utf8');
  const sealed = await use((session) => sealInToken(p, session, key, secret, aad)).catch((error: unknown) => {
    if (isUnsupported(error))
      throw new Error(`The HSM cannot encrypt with AES-GCM (CKM_AES_GCM: ${describeFailure(error)}); Keyward needs it for the provider key.`);
    throw error;
  });
  const opened = await use((session) => openInToken(p, session, key, sealed, aad));
  if (!opened.equals(secret)) throw new Error('The HSM self-test failed: AES-GCM with the provider key did not give back what it sealed.');
  const otherAad = Buffer.from('keyward|self-test|b', 'utf8');
  const acceptedOtherAad = await use((session) => openInToken(p, session, key, sealed, otherAad)).then(
    () => true,
    () => false, // expected: the tag covers the associated data
  );
  if (acceptedOtherAad) throw new Error('The HSM self-test failed: AES-GCM ignored the associated data.');
}

/**
 * Which OAEP hashes the token decrypts with (MGF1 with the same hash, empty label), tried on a
 * throwaway RSA key made here and put in the token as a session object. SoftHSM2 2.6 answers
 * CKR_ARGUMENTS_BAD for anything but SHA-1. A fault (device error…) fails the test instead of
 * striking a hash off, so a flaky start cannot silently downgrade what the vault offers.
 */
export async function probeOaepHashes(p: Pkcs11Api, session: Handle): Promise<OaepHash[]> {
  const { publicKey, privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  const key = createSessionKey(p, session, privateKey);
  try {
    const working: OaepHash[] = [];
    for (const hash of OAEP_CANDIDATES) {
      const secret = randomBytes(32);
      const ciphertext = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, secret);
      let plain: Buffer;
      try {
        plain = await oaepDecrypt(p, session, key, ciphertext, hash);
      } catch (error) {
        if (isUnsupported(error)) continue;
        throw error;
      }
      if (!plain.equals(secret)) throw new Error(`The HSM self-test failed: RSA-OAEP with ${hash} did not give back what was encrypted.`);
      working.push(hash);
    }
    if (working.length === 0)
      throw new Error('The HSM cannot decrypt RSA-OAEP with SHA-256 or SHA-1 (CKM_RSA_PKCS_OAEP); Keyward needs one of them for tenant keys.');
    return working;
  } finally {
    try {
      p.C_DestroyObject(session, key);
    } catch {
      // A session object: it goes with the session in any case.
    }
  }
}

function createSessionKey(p: Pkcs11Api, session: Handle, privateKey: KeyObject): Handle {
  const rsa = rsaComponents(privateKey);
  try {
    return p.C_CreateObject(session, [
      { type: ck.CKA_CLASS, value: ck.CKO_PRIVATE_KEY },
      { type: ck.CKA_KEY_TYPE, value: ck.CKK_RSA },
      { type: ck.CKA_TOKEN, value: false },
      { type: ck.CKA_PRIVATE, value: true },
      { type: ck.CKA_SENSITIVE, value: true },
      { type: ck.CKA_DECRYPT, value: true },
      ...rsaComponentAttributes(rsa),
    ]);
  } finally {
    wipe(rsa);
  }
}
