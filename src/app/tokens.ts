import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Bearer tokens: 256 random bits, shown once, stored only as SHA-256. A hash is enough (not a
 * slow KDF) because the token has full entropy; the compare is constant-time all the same.
 */
export const newToken = (): string => `kw_${randomBytes(32).toString('base64url')}`;

export const hashToken = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

export function sameHash(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Tokens are printable ASCII of bounded length; anything else is refused before hashing. */
export const TOKEN_SHAPE = /^[A-Za-z0-9_\-.~+/=]{16,256}$/;
