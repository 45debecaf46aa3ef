import { createHash, createPublicKey, type KeyObject } from 'node:crypto';

/**
 * A key's thumbprint: SHA-256 of its SubjectPublicKeyInfo DER, lowercase hex. It names a key to
 * people and detects duplicates, so it depends on the public key only, never on a file's
 * packaging (certificate, password, iteration count). A private key is reduced to its public half.
 */
export function thumbprintOf(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('hex');
}
