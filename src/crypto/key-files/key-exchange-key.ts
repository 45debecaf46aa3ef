/**
 * Key-exchange keys (KEKs) for .byok import (Azure Key Vault BYOK): an RSA key pair Keyward
 * issues per tenant and region, whose public half the customer's HSM wraps the tenant key to.
 * Used for nothing but unwrapping .byok files, and only until it expires.
 * Pure apart from key generation: time comes in as `now`; the caller persists the result
 * (the private half sealed in the vault) and later hands the records to readByok.
 */
import type { KeyObject } from 'node:crypto';
import { invalidInput } from './key-file-errors.js';
import { DEFAULT_KEK_SIZE, DEFAULT_KEK_VALIDITY_MS, isAcceptedRsaSize, MAX_KEK_VALIDITY_MS, type RsaKeySize } from './key-file-limits.js';
import { generateRsaKeyPair } from './rsa-key-pair.js';
import { thumbprintOf } from './thumbprint.js';

export interface KeyExchangeKey {
  /** What the customer's tool copies into the .byok header; derived from the public key. */
  kid: string;
  publicKeyPem: string;
  privateKey: KeyObject;
  expiresAt: Date;
  tenantId: string;
  region: string;
  keySize: RsaKeySize;
}

export interface IssueKeyExchangeKeyInput {
  tenantId: string;
  region: string;
  now: Date;
  /** How long the KEK may be used for imports; default 30 days, at most 366. */
  validityMs?: number;
  /** Default 4096, the size Azure's BYOK guide uses. */
  keySize?: RsaKeySize;
}

/**
 * `kek-` + the KEK's thumbprint: unique per key without another id source, and checkable
 * against the key it names.
 */
export function keyExchangeKeyId(publicKey: KeyObject): string {
  return `kek-${thumbprintOf(publicKey)}`;
}

export async function issueKeyExchangeKey(input: IssueKeyExchangeKeyInput): Promise<KeyExchangeKey> {
  const keySize = input.keySize ?? DEFAULT_KEK_SIZE;
  const validityMs = input.validityMs ?? DEFAULT_KEK_VALIDITY_MS;
  if (!isAcceptedRsaSize(keySize)) throw invalidInput('The key-exchange key size must be 2048, 3072 or 4096 bits.');
  if (!Number.isSafeInteger(validityMs) || validityMs <= 0 || validityMs > MAX_KEK_VALIDITY_MS) {
    throw invalidInput('The key-exchange key validity must be a positive number of milliseconds, at most 366 days.');
  }
  if (!(input.now instanceof Date) || Number.isNaN(input.now.getTime())) throw invalidInput('`now` is not a valid date.');
  if (input.tenantId === '' || input.region === '') throw invalidInput('A tenant and a region are required.');
  const { privateKey, publicKey } = await generateRsaKeyPair(keySize);
  return {
    kid: keyExchangeKeyId(publicKey),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey,
    expiresAt: new Date(input.now.getTime() + validityMs),
    tenantId: input.tenantId,
    region: input.region,
    keySize,
  };
}
