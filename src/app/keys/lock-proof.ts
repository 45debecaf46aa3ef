import { constants, publicEncrypt, randomBytes, timingSafeEqual } from 'node:crypto';
import { fail } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import type { TenantKey } from '../../domain/tenant-key.js';
import type { AppDeps } from '../deps.js';
import { activeKeyOf, loadKeyTenant } from './key-access.js';

/**
 * Proof of possession that never hands the key over (beside the seed's upload of the .pfx): the
 * server encrypts a nonce to the active key's public half; the admin decrypts it where the key
 * lives (the CLI, or `openssl pkeyutl`) and sends the nonce back with the lock. Only the holder
 * of the private key can answer, and the server never sees that key.
 *
 * Stateless: the challenge id names the tenant, region, key and expiry, with random bytes; the
 * nonce is the vault's MAC over the id (domain-separated), so it is recomputed to check an
 * answer and cannot be made by anyone without the vault. Valid for ten minutes.
 */
const VALID_MS = 10 * 60_000;
const ID = /^lp1\.([A-Za-z0-9_-]{1,100})\.([a-z0-9-]{1,64})\.([A-Za-z0-9_-]{1,100})\.(\d{1,15})\.([0-9a-f]{32})$/;

export interface LockProofChallenge {
  challengeId: string;
  /** The nonce, RSA-OAEP (SHA-256, MGF1-SHA-256, empty label) under the active key. */
  ciphertext: Buffer;
  expiresAt: Date;
  keyId: string;
}

const nonceOf = (deps: Pick<AppDeps, 'vault'>, challengeId: string) => deps.vault.auditMac(Buffer.from(`keyward-lock-proof|${challengeId}`, 'utf8'));

export async function issueLockProof(deps: AppDeps, actor: Principal, tenantId: string, region: string): Promise<LockProofChallenge> {
  await loadKeyTenant(deps.store, actor, tenantId, region);
  const active =
    (await activeKeyOf(deps.store, tenantId, region)) ??
    fail('NO_ACTIVE_KEY', `Region ${region} has no active tenant key, so there is nothing to lock.`);
  const expiresAt = new Date(deps.clock.now().getTime() + VALID_MS);
  const challengeId = `lp1.${tenantId}.${region}.${active.id}.${expiresAt.getTime()}.${randomBytes(16).toString('hex')}`;
  const nonce = await nonceOf(deps, challengeId);
  try {
    const ciphertext = publicEncrypt({ key: active.publicKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, nonce);
    return { challengeId, ciphertext, expiresAt, keyId: active.id };
  } finally {
    nonce.fill(0);
  }
}

/** Checks an answer against the active key of the region now (KEY_MISMATCH, CONFIRMATION_MISMATCH or VALIDATION_FAILED otherwise). */
export async function assertLockProof(
  deps: AppDeps,
  proof: { challengeId: string; response: string },
  tenantId: string,
  region: string,
  active: TenantKey,
): Promise<void> {
  const parts = ID.exec(proof.challengeId);
  if (!parts || parts[1] !== tenantId || parts[2] !== region)
    fail('VALIDATION_FAILED', 'The proof answers a challenge of another tenant or region; ask for a new one (POST …/lock-proof).');
  if (parts![3] !== active.id)
    fail('KEY_MISMATCH', `The proof answers a challenge for another key than the active key "${active.name}"; ask for a new one.`);
  if (Number(parts![4]) <= deps.clock.now().getTime())
    fail('CONFIRMATION_MISMATCH', 'The proof challenge has expired (they last 10 minutes); ask for a new one.');
  const expected = await nonceOf(deps, proof.challengeId);
  const given = Buffer.from(proof.response, 'base64');
  try {
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      fail(
        'KEY_MISMATCH',
        `The answer is not the challenge decrypted with the active key "${active.name}"; decrypt it with that key's private half.`,
      );
    }
  } finally {
    expected.fill(0);
    given.fill(0);
  }
}
