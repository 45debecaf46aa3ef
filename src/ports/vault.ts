import type { KeyObject } from 'node:crypto';

/**
 * The vault holds key material; callers hold only references and sealed bytes.
 * The software vault keeps a master key in a file; a PKCS#11 vault keeps it in an HSM.
 * Wrapped-key formats (headers, versions) are not the vault's business: crypto/envelope.ts
 * owns them and calls these primitives.
 */
export interface SealedBytes {
  /** The provider key that sealed these bytes. */
  keyId: string;
  /** The AEAD algorithm used, as recorded in the wrapped key's header. */
  alg: string;
  /** Everything needed to open them: nonce, ciphertext, tag. */
  sealed: Buffer;
}

/** RSA-OAEP hashes a vault can decrypt with; recorded in each wrapped key's header. */
export type OaepHash = 'sha256' | 'sha1';

export interface Vault {
  readonly kind: 'software' | 'pkcs11';
  /**
   * The OAEP hashes this vault decrypts with, preferred first. SoftHSM2 2.6 takes only SHA-1
   * (with an empty label), so callers wrap with the first hash here and record it.
   */
  readonly oaepHashes: readonly OaepHash[];
  /** Loads (or on first start makes and seals) the provider key. Idempotent. */
  init(): Promise<void>;
  /** The id of the provider key that new seals use (known after init). */
  providerKeyId(): string;
  /** Authenticated encryption under the current provider key; `aad` binds the context. */
  sealWithProviderKey(plaintext: Buffer, aad: Buffer): Promise<SealedBytes>;
  /** Opens what sealWithProviderKey made; any tampering or wrong `aad` throws. */
  openWithProviderKey(sealed: SealedBytes, aad: Buffer): Promise<Buffer>;
  /**
   * Takes custody of an RSA private key (tenant key or BYOK exchange key) under `handle`.
   * After this the caller drops its copy; the vault never gives the key back. Importing the
   * same handle again with the same key is a no-op; with another key it throws.
   */
  importPrivateKey(handle: string, privateKey: KeyObject): Promise<void>;
  /** Whether the vault holds a private key under `handle`. */
  hasPrivateKey(handle: string): Promise<boolean>;
  /**
   * RSA-OAEP decryption inside the vault (MGF1 with the same hash, empty label). Any failure
   * (no such key, wrong ciphertext) throws one generic KeywardError('INTERNAL') so nothing leaks.
   */
  decryptWithPrivateKey(handle: string, ciphertext: Buffer, hash: OaepHash): Promise<Buffer>;
  /**
   * The same for many ciphertexts under one key (a rewrap of a whole region). Optional: a vault
   * where loading the key is costly (the software vault opens it from its sealed form) offers it
   * so the load is paid once per batch; envelope.ts falls back to one call each. An entry that
   * cannot be decrypted is `null`.
   */
  decryptBatchWithPrivateKey?(handle: string, ciphertexts: readonly Buffer[], hash: OaepHash): Promise<(Buffer | null)[]>;
  /**
   * Destroys the private key under `handle` so that nothing the server holds can use it again;
   * idempotent (destroying an absent handle succeeds).
   */
  destroyPrivateKey(handle: string): Promise<void>;
  close(): Promise<void>;
}

/** Where the software vault keeps its sealed provider key (the control store's settings). */
export interface SealedKeyStore {
  get(name: string): Promise<string | undefined>;
  putIfAbsent(name: string, value: string): Promise<string>;
  /**
   * Removes a value so it cannot be read back from the store's files either (secure delete and
   * a checkpoint on SQLite). Used to destroy sealed private keys.
   */
  erase(name: string): Promise<void>;
}
