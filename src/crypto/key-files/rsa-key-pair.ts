import { generateKeyPair, type KeyObject } from 'node:crypto';
import type { RsaKeySize } from './key-file-limits.js';

/**
 * A fresh RSA key pair from node:crypto (OpenSSL, on the libuv thread pool): ~0.1 s for 2048
 * bits where forge's JS generator takes seconds and blocks the event loop.
 */
export function generateRsaKeyPair(bits: RsaKeySize): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  return new Promise((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength: bits, publicExponent: 0x10001 }, (error, publicKey, privateKey) =>
      error ? reject(error) : resolve({ privateKey, publicKey }),
    );
  });
}
