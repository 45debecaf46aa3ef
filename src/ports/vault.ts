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

export interface Vault {
  readonly kind: 'software' | 'pkcs11';
  /** Loads (or on first start makes and seals) the provider key. Idempotent. */
  init(): Promise<void>;
  /** The id of the provider key that new seals use (known after init). */
  providerKeyId(): string;
  /** Authenticated encryption under the current provider key; `aad` binds the context. */
  sealWithProviderKey(plaintext: Buffer, aad: Buffer): Promise<SealedBytes>;
  /** Opens what sealWithProviderKey made; any tampering or wrong `aad` throws. */
  openWithProviderKey(sealed: SealedBytes, aad: Buffer): Promise<Buffer>;
  close(): Promise<void>;
}

/** Where the software vault keeps its sealed provider key (the control store's settings). */
export interface SealedKeyStore {
  get(name: string): Promise<string | undefined>;
  putIfAbsent(name: string, value: string): Promise<string>;
}
