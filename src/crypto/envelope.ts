import { constants, publicEncrypt, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { OaepHash, Vault } from '../ports/vault.js';
import { KeywardError } from '../domain/errors.js';

/**
 * Wrapped data keys, in one versioned text format that only this module parses
 * (like Vault's `vault:v1:` prefix):
 *
 *   kw1:<keyRef>:<alg>:<base64url payload>
 *
 * - keyRef: which key wrapped the DEK: the provider key's id, or a tenant key's thumbprint;
 * - alg: how: `A256GCM` (provider key), `RSA-OAEP-256` or `RSA-OAEP-1` (tenant key, the
 *   OAEP hash the vault could decrypt with; SoftHSM2 takes only SHA-1);
 * - payload: what the vault needs to unwrap it.
 *
 * The environment id is bound into every wrapping, so a wrapped DEK copied onto another
 * environment's record cannot be opened there: as AEAD associated data under the provider
 * key, and inside the RSA-OAEP plaintext (DEK ‖ environment id) under a tenant key, since not
 * every HSM takes an OAEP label.
 */
const VERSION = 'kw1';
const PART = /^[A-Za-z0-9_.-]{1,128}$/;
const PAYLOAD = /^[A-Za-z0-9_-]+$/;

export const PROVIDER_ALG = 'A256GCM';
const TENANT_ALG: Record<OaepHash, string> = { sha256: 'RSA-OAEP-256', sha1: 'RSA-OAEP-1' };
const HASH_OF_ALG = new Map<string, OaepHash>(Object.entries(TENANT_ALG).map(([hash, alg]) => [alg, hash as OaepHash]));
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

/** The public half of a tenant key: enough to wrap, never to unwrap. A KeyObject saves re-parsing the PEM per DEK. */
export interface TenantWrappingKey {
  thumbprint: string;
  publicKeyPem: string | KeyObject;
}

export function wrapDekWithTenantKey(key: TenantWrappingKey, hash: OaepHash, dek: Buffer, environmentId: string): string {
  if (dek.length !== DEK_BYTES) throw new RangeError('A DEK is 256 bits.');
  const plaintext = Buffer.concat([dek, Buffer.from(environmentId, 'utf8')]);
  try {
    const payload = publicEncrypt({ key: key.publicKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, plaintext);
    return formatWrappedKey({ keyRef: key.thumbprint, alg: TENANT_ALG[hash], payload });
  } finally {
    plaintext.fill(0);
  }
}

/** Which key a wrapped DEK is under, and whether that is a tenant key (for idempotent rewraps). */
export function describeWrappedKey(wrapped: string): { keyRef: string; tenant: boolean } {
  const w = parseWrappedKey(wrapped);
  return { keyRef: w.keyRef, tenant: HASH_OF_ALG.has(w.alg) };
}

const unwrapFailure = () => new KeywardError('INTERNAL', 'A data key could not be unwrapped.');

/**
 * Unwraps a DEK for `environmentId`. A DEK under a tenant key is opened in the vault with the
 * private key held under `tenantKeyHandle` (the key record's id).
 */
export async function unwrapDek(vault: Vault, wrapped: string, environmentId: string, tenantKeyHandle: string | null = null): Promise<Buffer> {
  const w = parseWrappedKey(wrapped);
  const hash = HASH_OF_ALG.get(w.alg);
  if (hash !== undefined) {
    if (tenantKeyHandle === null) throw unwrapFailure();
    return dekBoundTo(await vault.decryptWithPrivateKey(tenantKeyHandle, w.payload, hash), environmentId);
  }
  if (w.alg !== PROVIDER_ALG) throw new KeywardError('INTERNAL', `A stored data key uses ${w.alg}, which this server cannot unwrap.`);
  const dek = await vault.openWithProviderKey({ keyId: w.keyRef, alg: w.alg, sealed: w.payload }, bindingFor(environmentId, w.keyRef, w.alg));
  if (dek.length !== DEK_BYTES) throw new KeywardError('INTERNAL', 'A stored data key has the wrong length.');
  return dek;
}

/** Checks the environment id bound after the DEK, returns a copy of the DEK, wipes the rest. */
function dekBoundTo(plaintext: Buffer, environmentId: string): Buffer {
  try {
    const bound = Buffer.from(environmentId, 'utf8');
    const tail = plaintext.subarray(DEK_BYTES);
    if (plaintext.length !== DEK_BYTES + bound.length || !timingSafeEqual(tail, bound)) throw unwrapFailure();
    return Buffer.from(plaintext.subarray(0, DEK_BYTES));
  } finally {
    plaintext.fill(0);
  }
}

export interface DekToUnwrap {
  wrapped: string;
  environmentId: string;
  tenantKeyHandle: string | null;
}

/**
 * Unwraps many DEKs, asking the vault once per tenant key and hash where it can batch (a
 * region's rewrap). Same checks as `unwrapDek`; an entry that cannot be unwrapped (a vault
 * that failed this once, or a damaged key) is `null`, so one bad entry does not sink the rest.
 */
export async function tryUnwrapDeks(vault: Vault, items: readonly DekToUnwrap[]): Promise<(Buffer | null)[]> {
  const results: (Buffer | null)[] = items.map(() => null);
  const groups = new Map<string, { handle: string; hash: OaepHash; indexes: number[]; payloads: Buffer[] }>();
  const single: Promise<void>[] = [];
  const attempt = (index: number, unwrap: () => Promise<Buffer>) =>
    single.push(
      unwrap().then(
        (dek) => void (results[index] = dek),
        () => undefined,
      ),
    );
  items.forEach((item, index) => {
    const w = parseWrappedKey(item.wrapped);
    const hash = HASH_OF_ALG.get(w.alg);
    if (hash === undefined || item.tenantKeyHandle === null || !vault.decryptBatchWithPrivateKey) {
      attempt(index, () => unwrapDek(vault, item.wrapped, item.environmentId, item.tenantKeyHandle));
      return;
    }
    const key = `${item.tenantKeyHandle}|${hash}`;
    const group = groups.get(key) ?? { handle: item.tenantKeyHandle, hash, indexes: [], payloads: [] };
    group.indexes.push(index);
    group.payloads.push(w.payload);
    groups.set(key, group);
  });
  for (const group of groups.values()) {
    const plaintexts = await vault.decryptBatchWithPrivateKey!(group.handle, group.payloads, group.hash).catch(() => []);
    group.indexes.forEach((index, j) => {
      const plaintext = plaintexts[j];
      if (!plaintext) return;
      try {
        results[index] = dekBoundTo(plaintext, items[index]!.environmentId);
      } catch {
        // a DEK bound to another environment: left null
      }
    });
  }
  await Promise.all(single);
  return results;
}
