import type { GeneratedPfx, GeneratePfxInput, IssueKeyExchangeKeyInput, KeyExchangeKey, KeyFileKey } from './index.js';

/**
 * A port in all but folder: it lives in crypto/ because it is made of crypto's types (ports/
 * import only domain/).
 *
 * Key-file work that costs seconds of CPU (SPEC F1): the PKCS#12 MAC and PBKDF2 derivations of
 * reading and writing a .pfx, and RSA key generation. The pure functions of crypto/key-files do
 * the work; this port says where it runs, so an adapter can keep it off the request thread and
 * share it out fairly between tenants.
 *
 * Every call names the tenant it works for: an adapter queues per tenant and may refuse with
 * RATE_LIMITED (with `retryAfter`) when that tenant already has as much work waiting as it may.
 * Otherwise calls fail exactly as the pure functions do (INVALID_KEY_FILE, BAD_PASSWORD,
 * VALIDATION_FAILED), with the same fixed details.
 */
export interface KeyFileWork {
  /** `readPfx`: the file's one RSA key, as KeyObjects, for taking into custody. */
  readPfx(tenantId: string, file: Uint8Array, password: string | undefined): Promise<KeyFileKey>;
  /**
   * A proof of possession (lock): opens the .pfx exactly like `readPfx`, but only the key's
   * thumbprint comes back; the private key never reaches the caller's thread.
   */
  provePfx(tenantId: string, file: Uint8Array, password: string | undefined): Promise<{ thumbprint: string }>;
  /** `generatePfx`: a new RSA key and its .pfx. */
  generatePfx(tenantId: string, input: GeneratePfxInput): Promise<GeneratedPfx>;
  /** `issueKeyExchangeKey` (an RSA-4096 key generation), queued for `input.tenantId`. */
  issueKeyExchangeKey(input: IssueKeyExchangeKeyInput): Promise<KeyExchangeKey>;
  /** Stops taking work; what is running finishes or is abandoned. */
  close(): Promise<void>;
}
