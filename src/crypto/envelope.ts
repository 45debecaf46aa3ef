import type { Vault } from '../ports/vault.js';
import { KeywardError } from '../domain/errors.js';

/**
 * Wrapped data keys, in one versioned text format that only this module parses
 * (like Vault's `vault:v1:` prefix):
 *
 *   kw1:<keyRef>:<alg>:<base64url payload>
 *
 * - keyRef: which key wrapped the DEK (the provider key's id, later a tenant key's thumbprint);
 * - alg: how (`A256GCM` for the provider key);
 * - payload: what the vault needs to unwrap it.
 *
 * The environment id is bound into every wrapping (as AEAD associated data here), so a wrapped
 * DEK copied onto another environment's record cannot be opened there.
 */
const VERSION = 'kw1';
const PART = /^[A-Za-z0-9_.-]{1,128}$/;
const PAYLOAD = /^[A-Za-z0-9_-]+$/;

export const PROVIDER_ALG = 'A256GCM';
export const DEK_BYTES = 32;

export interface WrappedKey {
  keyRef: string;
  alg: string;
  payload: Buffer;
}

export function formatWrappedKey(w: WrappedKey): string {
  if (!PART.test(w.keyRef) || !PART.test(w.alg)) throw new RangeError('Wrapped key header parts must be simple tokens.');
  return `${VERSION}:${w.keyRef}:${w.alg}:${w.payload.toString('base64url')}`;
}

export function parseWrappedKey(text: string): WrappedKey {
  const parts = text.split(':');
  const [version, keyRef, alg, payload] = parts;
  if (parts.length !== 4 || version !== VERSION || !keyRef || !alg || !payload) {
    throw new KeywardError('INTERNAL', 'A stored data key has an unknown format.');
  }
  if (!PART.test(keyRef) || !PART.test(alg) || !PAYLOAD.test(payload)) {
    throw new KeywardError('INTERNAL', 'A stored data key has an unknown format.');
  }
  return { keyRef, alg, payload: Buffer.from(payload, 'base64url') };
}

/** Associated data: the environment and the header itself, so neither can be swapped. */
function bindingFor(environmentId: string, keyRef: string, alg: string): Buffer {
  return Buffer.from(`${VERSION}|${environmentId}|${keyRef}|${alg}`, 'utf8');
}

export async function wrapDekWithProviderKey(vault: Vault, dek: Buffer, environmentId: string): Promise<string> {
  if (dek.length !== DEK_BYTES) throw new RangeError('A DEK is 256 bits.');
  const keyRef = vault.providerKeyId();
  const sealed = await vault.sealWithProviderKey(dek, bindingFor(environmentId, keyRef, PROVIDER_ALG));
  return formatWrappedKey({ keyRef: sealed.keyId, alg: sealed.alg, payload: sealed.sealed });
}

export function wrappedKeyRef(wrapped: string): string {
  return parseWrappedKey(wrapped).keyRef;
}

export async function unwrapDek(vault: Vault, wrapped: string, environmentId: string): Promise<Buffer> {
  const w = parseWrappedKey(wrapped);
  if (w.alg !== PROVIDER_ALG) throw new KeywardError('INTERNAL', `A stored data key uses ${w.alg}, which this server cannot unwrap.`);
  const dek = await vault.openWithProviderKey(
    { keyId: w.keyRef, alg: w.alg, sealed: w.payload },
    bindingFor(environmentId, w.keyRef, w.alg),
  );
  if (dek.length !== DEK_BYTES) throw new KeywardError('INTERNAL', 'A stored data key has the wrong length.');
  return dek;
}
