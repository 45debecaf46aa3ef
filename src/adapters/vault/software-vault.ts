import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  privateDecrypt,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import type { OaepHash, SealedBytes, Vault, VaultObjectRepo } from '../../ports/vault.js';
import { KeywardError } from '../../domain/errors.js';

/**
 * The embedded vault. Key hierarchy: master key (a file the operator keeps) seals the provider
 * key (AES-256-GCM), which is stored sealed in the control store so every server instance
 * sharing that store uses the same provider key. Keys live in memory as KeyObjects only.
 * Sealed objects live in the control store's `vault_objects` and join the caller's unit of
 * work: a key record and its private half commit together (Store.vaultObjects).
 */
const ALG = 'A256GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const PROVIDER_KEY_HANDLE = 'provider-key';
const AUDIT_KEY_HANDLE = 'audit-key';
const HANDLE = /^[A-Za-z0-9_-]{1,100}$/;
const GENERIC_FAILURE = 'The vault could not decrypt with this key.';

interface StoredProviderKey {
  id: string;
  sealed: string;
}

function seal(key: KeyObject, plaintext: Buffer, aad: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

function open(key: KeyObject, sealed: Buffer, aad: Buffer): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error('sealed bytes too short');
  const iv = sealed.subarray(0, IV_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  const parts = [decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()];
  try {
    return Buffer.concat(parts);
  } finally {
    // The pieces hold the plaintext too; only the caller's copy may outlive this call.
    for (const part of parts) part.fill(0);
  }
}

export class SoftwareVault implements Vault {
  readonly kind = 'software' as const;
  readonly oaepHashes: readonly OaepHash[] = ['sha256', 'sha1'];
  private readonly masterKey: KeyObject;
  private providerKey: { id: string; key: KeyObject } | undefined;
  private auditKey: KeyObject | undefined;

  constructor(
    masterKey: Buffer,
    private readonly objects: VaultObjectRepo,
    private readonly newKeyId: () => string,
  ) {
    if (masterKey.length !== 32) throw new RangeError('The master key is 256 bits.');
    this.masterKey = createSecretKey(masterKey);
  }

  async init(): Promise<void> {
    if (this.providerKey) return;
    let stored = await this.objects.get(PROVIDER_KEY_HANDLE);
    if (stored === undefined) {
      const id = this.newKeyId();
      const candidate: StoredProviderKey = {
        id,
        sealed: seal(this.masterKey, randomBytes(32), masterBinding(id)).toString('base64'),
      };
      // First writer wins when several instances start on one store at once.
      stored = await this.objects.putIfAbsent(PROVIDER_KEY_HANDLE, 'provider-key', JSON.stringify(candidate));
    }
    const parsed = JSON.parse(stored) as StoredProviderKey;
    let raw: Buffer;
    try {
      raw = open(this.masterKey, Buffer.from(parsed.sealed, 'base64'), masterBinding(parsed.id));
    } catch {
      throw new Error(
        'The master key does not open the provider key kept in the store: start with the master key file this data was made with (KEYWARD_MASTER_KEY_FILE).',
      );
    }
    this.providerKey = { id: parsed.id, key: createSecretKey(raw) };
    raw.fill(0);
    this.auditKey = await this.loadAuditKey();
  }

  /** The audit chain's HMAC key: made once (first writer wins), sealed under the master key. */
  private async loadAuditKey(): Promise<KeyObject> {
    let stored = await this.objects.get(AUDIT_KEY_HANDLE);
    if (stored === undefined) {
      const fresh = randomBytes(32);
      stored = await this.objects.putIfAbsent(AUDIT_KEY_HANDLE, 'audit-key', seal(this.masterKey, fresh, auditKeyBinding()).toString('base64'));
      fresh.fill(0);
    }
    const raw = open(this.masterKey, Buffer.from(stored, 'base64'), auditKeyBinding());
    try {
      return createSecretKey(raw);
    } finally {
      raw.fill(0);
    }
  }

  auditMac(bytes: Buffer): Promise<Buffer> {
    if (!this.auditKey) return Promise.reject(new Error('The vault is not initialised; call init() first.'));
    return Promise.resolve(createHmac('sha256', this.auditKey).update(bytes).digest());
  }

  providerKeyId(): string {
    return this.requireProviderKey().id;
  }

  sealWithProviderKey(plaintext: Buffer, aad: Buffer): Promise<SealedBytes> {
    const pk = this.requireProviderKey();
    return Promise.resolve({ keyId: pk.id, alg: ALG, sealed: seal(pk.key, plaintext, aad) });
  }

  openWithProviderKey(sealed: SealedBytes, aad: Buffer): Promise<Buffer> {
    const pk = this.requireProviderKey();
    if (sealed.keyId !== pk.id || sealed.alg !== ALG) {
      return Promise.reject(new KeywardError('INTERNAL', 'A data key is sealed under a provider key this vault does not hold.'));
    }
    try {
      return Promise.resolve(open(pk.key, sealed.sealed, aad));
    } catch {
      // One message for every failure: which check failed is nobody's business.
      return Promise.reject(new KeywardError('INTERNAL', 'A data key could not be unwrapped.'));
    }
  }

  /**
   * Private keys are kept sealed (PKCS#8 under the master key) in the store, and opened for
   * each use rather than cached: a lock on one instance then leaves no copy in any other
   * instance's memory.
   */
  async importPrivateKey(handle: string, privateKey: KeyObject): Promise<void> {
    assertHandle(handle);
    if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'rsa') throw new RangeError('Only RSA private keys go into the vault.');
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    try {
      const sealed = seal(this.masterKey, der, privateKeyBinding(handle)).toString('base64');
      const stored = await this.objects.putIfAbsent(handle, 'private-key', sealed);
      if (stored !== sealed) {
        const existing = this.openPrivateKey(handle, stored);
        const samePublic = createPublicKey(existing)
          .export({ format: 'der', type: 'spki' })
          .equals(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }));
        if (!samePublic) throw new KeywardError('CONFLICT', 'The vault already holds another key under this handle.');
      }
    } finally {
      der.fill(0);
    }
  }

  async hasPrivateKey(handle: string): Promise<boolean> {
    assertHandle(handle);
    return (await this.objects.get(handle)) !== undefined;
  }

  async decryptWithPrivateKey(handle: string, ciphertext: Buffer, hash: OaepHash): Promise<Buffer> {
    assertHandle(handle);
    const stored = await this.objects.get(handle);
    if (stored === undefined) throw new KeywardError('INTERNAL', GENERIC_FAILURE);
    try {
      const key = this.openPrivateKey(handle, stored);
      return privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, ciphertext);
    } catch {
      throw new KeywardError('INTERNAL', GENERIC_FAILURE);
    }
  }

  async decryptBatchWithPrivateKey(handle: string, ciphertexts: readonly Buffer[], hash: OaepHash): Promise<(Buffer | null)[]> {
    assertHandle(handle);
    const stored = await this.objects.get(handle);
    if (stored === undefined) throw new KeywardError('INTERNAL', GENERIC_FAILURE);
    let key: KeyObject;
    try {
      key = this.openPrivateKey(handle, stored);
    } catch {
      throw new KeywardError('INTERNAL', GENERIC_FAILURE);
    }
    // One KeyObject for the batch: parsing it costs more than a decryption, and OpenSSL's
    // per-key precomputation is paid once. It goes out of scope when the batch is done.
    return ciphertexts.map((ciphertext) => {
      try {
        return privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, ciphertext);
      } catch {
        return null;
      }
    });
  }

  /**
   * Removes the sealed key; inside a unit of work it goes with that commit. The store's files
   * are scrubbed of it after the commit (StoreDialect.scrub).
   */
  async destroyPrivateKey(handle: string): Promise<void> {
    assertHandle(handle);
    await this.objects.remove(handle);
    await this.objects.scrub();
  }

  listPrivateKeys(): Promise<string[]> {
    return this.objects.list('private-key');
  }

  private openPrivateKey(handle: string, stored: string): KeyObject {
    const der = open(this.masterKey, Buffer.from(stored, 'base64'), privateKeyBinding(handle));
    try {
      return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    } finally {
      der.fill(0);
    }
  }

  close(): Promise<void> {
    this.providerKey = undefined;
    this.auditKey = undefined;
    return Promise.resolve();
  }

  private requireProviderKey(): { id: string; key: KeyObject } {
    if (!this.providerKey) throw new Error('The vault is not initialised; call init() first.');
    return this.providerKey;
  }
}

function assertHandle(handle: string): void {
  if (!HANDLE.test(handle)) throw new RangeError('Vault handles are 1 to 100 letters, digits, _ or -.');
}

function privateKeyBinding(handle: string): Buffer {
  return Buffer.from(`keyward|private-key|${handle}`, 'utf8');
}

function auditKeyBinding(): Buffer {
  return Buffer.from('keyward|audit-key', 'utf8');
}

function masterBinding(providerKeyId: string): Buffer {
  return Buffer.from(`keyward|provider-key|${providerKeyId}`, 'utf8');
}
