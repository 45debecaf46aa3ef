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
  /**
   * Every private-key handle the vault holds, found by the vault's own search (not from the
   * store's records): what reconciliation and a lock compare with the records (SPEC L2).
   */
  listPrivateKeys(): Promise<string[]>;
  /**
   * HMAC-SHA256 under the vault's audit key, made at first start and never leaving the vault
   * (software: sealed under the master key; HSM: a non-extractable secret in the token). What
   * keys the audit chain (SPEC L5): whoever can write the store cannot recompute a history.
   */
  auditMac(bytes: Buffer): Promise<Buffer>;
  /**
   * The software vault only: re-seals everything under a new master key and destroys the old
   * key file, so old copies of the control store no longer open with the key in use. Says why
   * when it cannot (no writable key file; another instance rotating at the same moment).
   */
  rotateMasterKey?(): Promise<{ rotated: true; fingerprint: string } | { rotated: false; reason: string }>;
  close(): Promise<void>;
}

/** The kinds of object the software vault seals into the control store. */
export type VaultObjectKind = 'provider-key' | 'private-key' | 'audit-key';

/**
 * Where the software vault keeps what it seals: a table of the control store (see
 * Store.vaultObjects for how its writes join the caller's unit of work). Values are opaque
 * sealed text; the repo never sees a key in the clear. Every write happens under one serial lock
 * and names the master key it sealed under (a fingerprint), which must be the one the table is
 * sealed under now: an instance that missed a rotation by another one learns it here instead of
 * writing something nobody can open.
 */
export interface VaultObjectRepo {
  get(handle: string): Promise<string | undefined>;
  /**
   * Writes only if absent (first writer wins across instances) and returns the value now stored;
   * `stale` when the table is sealed under another master key than `sealedUnder` (reload it).
   */
  putIfAbsent(handle: string, kind: VaultObjectKind, sealed: string, sealedUnder: string): Promise<{ stored: string } | { stale: true }>;
  /** Handles of every object of a kind. */
  list(kind: VaultObjectKind): Promise<string[]>;
  /** The fingerprint of the master key the table is sealed under (undefined while it is empty). */
  sealingKey(): Promise<string | undefined>;
  /**
   * Re-seals every object in one commit under the serial lock, from master key `from` to `to`
   * (`reseal` gives each object's new value). False when the table is not sealed under `from`.
   */
  resealAll(from: string, to: string, reseal: (object: { handle: string; kind: VaultObjectKind; sealed: string }) => string): Promise<boolean>;
  /** Deletes the object; the row's bytes leave the files at the next `scrub`. */
  remove(handle: string): Promise<void>;
  /**
   * Leaves no copy of removed objects in the store's files that can be reached cheaply
   * (StoreDialect.scrub). Outside any transaction only; inside one it waits for the commit.
   */
  scrub(): Promise<void>;
}

/** Where the PKCS#11 vault records which provider key a deployment uses (the control store's settings). */
export interface SealedKeyStore {
  get(name: string): Promise<string | undefined>;
  putIfAbsent(name: string, value: string): Promise<string>;
}
