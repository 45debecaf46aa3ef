import type { Vault } from '../ports/vault.js';
import { formatWrappedKey, parseWrappedKey, PROVIDER_ALG } from './envelope.js';

/**
 * The password of an external engine's admin account (SPEC E1), sealed by the vault under the
 * provider key, in the same versioned format as wrapped DEKs (envelope.ts parses it). The
 * environment id and a purpose label are bound in as associated data, so a sealed password
 * copied onto another environment's record, or into its wrapped-DEK column, does not open.
 * Opened only for the call that uses it (a stop, a probe), never returned or logged.
 */
const PURPOSE = 'keyward/engine-admin-password/v1';

const bindingFor = (environmentId: string, keyRef: string, alg: string): Buffer =>
  Buffer.from(`${PURPOSE}|${environmentId}|${keyRef}|${alg}`, 'utf8');

export async function sealEngineSecret(vault: Vault, secret: string, environmentId: string): Promise<string> {
  const plaintext = Buffer.from(secret, 'utf8');
  try {
    const sealed = await vault.sealWithProviderKey(plaintext, bindingFor(environmentId, vault.providerKeyId(), PROVIDER_ALG));
    return formatWrappedKey({ keyRef: sealed.keyId, alg: sealed.alg, payload: sealed.sealed });
  } finally {
    plaintext.fill(0);
  }
}

export async function openEngineSecret(vault: Vault, sealed: string, environmentId: string): Promise<string> {
  const w = parseWrappedKey(sealed);
  const plaintext = await vault.openWithProviderKey({ keyId: w.keyRef, alg: w.alg, sealed: w.payload }, bindingFor(environmentId, w.keyRef, w.alg));
  try {
    return plaintext.toString('utf8');
  } finally {
    plaintext.fill(0);
  }
}
