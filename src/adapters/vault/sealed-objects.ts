import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';
import type { VaultObjectKind } from '../../ports/vault.js';

/**
 * How the software vault seals: AES-256-GCM, iv ‖ ciphertext ‖ tag, with associated data that
 * binds each object to what it is (its kind and handle), so a sealed value moved onto another
 * row does not open. The one place that knows how each kind of object is sealed, so a re-seal
 * under a new master key (software-vault.ts) treats them all alike.
 */
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function seal(key: KeyObject, plaintext: Buffer, aad: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

export function open(key: KeyObject, sealed: Buffer, aad: Buffer): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error('sealed bytes too short');
  const iv = sealed.subarray(0, IV_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  const parts = [decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()];
  try {
    return Buffer.concat(parts);
  } finally {
    // The pieces hold the plaintext too; only the caller's copy may outlive this call.
    for (const part of parts) part.fill(0);
  }
}

/** The provider key's row: its id in the clear (wrapped DEKs name it), the key sealed. */
interface StoredProviderKey {
  id: string;
  sealed: string;
}

const binding = (kind: VaultObjectKind, what: string) => Buffer.from(`keyward|${kind}|${what}`, 'utf8');

/** A stored object's plaintext, opened with the master key (throws on any mismatch). */
export function openObject(masterKey: KeyObject, object: { handle: string; kind: VaultObjectKind; sealed: string }): Buffer {
  if (object.kind === 'provider-key') {
    const parsed = JSON.parse(object.sealed) as StoredProviderKey;
    return open(masterKey, Buffer.from(parsed.sealed, 'base64'), binding('provider-key', parsed.id));
  }
  return open(masterKey, Buffer.from(object.sealed, 'base64'), binding(object.kind, object.kind === 'audit-key' ? 'audit' : object.handle));
}

/** The stored form of an object's plaintext under the master key (the provider key keeps its id). */
export function sealObject(
  masterKey: KeyObject,
  object: { handle: string; kind: VaultObjectKind; providerKeyId?: string; sealed?: string },
  plaintext: Buffer,
): string {
  if (object.kind === 'provider-key') {
    const id = object.providerKeyId ?? (JSON.parse(object.sealed!) as StoredProviderKey).id;
    return JSON.stringify({ id, sealed: seal(masterKey, plaintext, binding('provider-key', id)).toString('base64') } satisfies StoredProviderKey);
  }
  return seal(masterKey, plaintext, binding(object.kind, object.kind === 'audit-key' ? 'audit' : object.handle)).toString('base64');
}

export const providerKeyIdOf = (stored: string): string => (JSON.parse(stored) as StoredProviderKey).id;
