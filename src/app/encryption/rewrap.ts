import type { Environment } from '../../domain/environment.js';
import type { TenantKey } from '../../domain/tenant-key.js';
import { createPublicKey } from 'node:crypto';
import { tryUnwrapDeks, unwrapDek, wrapDekWithProviderKey, wrapDekWithTenantKey } from '../../crypto/envelope.js';
import type { ProtectionChange } from '../../ports/store.js';
import type { Vault } from '../../ports/vault.js';

/** Where a DEK is going: under a tenant key, or back under the provider key. */
export type Protector = { kind: 'tenant'; key: TenantKey } | { kind: 'provider' };

/**
 * The DEK of `env`, unwrapped with whatever protects it now and wrapped for `to`. The DEK
 * itself never changes, so the data stays readable throughout (R7's "no downtime"); the
 * plaintext DEK lives only for the length of this call.
 */
export async function rewrapFor(vault: Vault, env: Environment, to: Protector): Promise<ProtectionChange> {
  const dek = await unwrapDek(vault, env.wrappedDek, env.id, env.encryption.keyId);
  try {
    if (to.kind === 'provider') {
      return { wrappedDek: await wrapDekWithProviderKey(vault, dek, env.id), mode: 'provider', keyId: null };
    }
    const hash = vault.oaepHashes[0];
    if (!hash) throw new Error('The vault decrypts with no RSA-OAEP hash.');
    return { wrappedDek: wrapDekWithTenantKey(to.key, hash, dek, env.id), mode: 'tenant', keyId: to.key.id };
  } finally {
    dek.fill(0);
  }
}

/**
 * `rewrapFor` for many environments at once (a region's activation): DEKs under one key are
 * unwrapped in one vault batch, and the new key's public half is parsed once. An environment
 * whose DEK could not be unwrapped this time gets `null` (the caller retries it later).
 */
export async function rewrapAll(vault: Vault, envs: readonly Environment[], to: TenantKey): Promise<(ProtectionChange | null)[]> {
  const hash = vault.oaepHashes[0];
  if (!hash) throw new Error('The vault decrypts with no RSA-OAEP hash.');
  const wrappingKey = { thumbprint: to.thumbprint, publicKeyPem: createPublicKey(to.publicKeyPem) };
  const deks = await tryUnwrapDeks(
    vault,
    envs.map((env) => ({ wrapped: env.wrappedDek, environmentId: env.id, tenantKeyHandle: env.encryption.keyId })),
  );
  try {
    return envs.map((env, i) => {
      const dek = deks[i];
      if (!dek) return null;
      return {
        wrappedDek: wrapDekWithTenantKey(wrappingKey, hash, dek, env.id),
        mode: 'tenant' as const,
        keyId: to.id,
      };
    });
  } finally {
    for (const dek of deks) dek?.fill(0);
  }
}
