import { constants, createHmac, createPrivateKey, createPublicKey, createSecretKey, privateDecrypt, randomBytes, type KeyObject } from 'node:crypto';
import type { OaepHash, SealedBytes, Vault, VaultObjectRepo } from '../../ports/vault.js';
import { KeywardError } from '../../domain/errors.js';
import { masterKeyFingerprint, type MasterKeyFile } from './master-key.js';
import { open, openObject, providerKeyIdOf, seal, sealObject } from './sealed-objects.js';

/**
 * The embedded vault. Key hierarchy: the master key (a file the operator keeps) seals the
 * provider key, the audit key and every tenant private key (sealed-objects.ts), all kept in the
 * control store's `vault_objects`, so every instance sharing the store uses the same keys. Keys
 * live in memory as KeyObjects only; private keys are opened for each use, never cached, so a
 * lock on one instance leaves no copy in another's memory. Writes join the caller's unit of
 * work: a key record and its sealed private half commit together (Store.vaultObjects).
 *
 * Given its key file, the vault can rotate the master key: everything is re-sealed under a new
 * one in one commit and the old key file is overwritten (master-key.ts has the crash-safe steps).
 * An instance that missed another's rotation learns it from the table's marker and reloads.
 */
const ALG = 'A256GCM';
const PROVIDER_KEY_HANDLE = 'provider-key';
const AUDIT_KEY_HANDLE = 'audit-key';
const HANDLE = /^[A-Za-z0-9_-]{1,100}$/;
const GENERIC_FAILURE = 'The vault could not decrypt with this key.';
const WRONG_MASTER_KEY =
  'The master key does not open the keys kept in the store: start with the master key file this data was made with (KEYWARD_MASTER_KEY_FILE).';

export type MasterKeyRotation = { rotated: true; fingerprint: string } | { rotated: false; reason: string };

export class SoftwareVault implements Vault {
  readonly kind = 'software' as const;
  readonly oaepHashes: readonly OaepHash[] = ['sha256', 'sha1'];
  private masterKey: KeyObject;
  private fingerprint: string;
  private providerKey: { id: string; key: KeyObject } | undefined;
  private auditKey: KeyObject | undefined;
  private readonly keyFile: MasterKeyFile | undefined;

  /** `master`: the key itself, or its file (which also lets the vault rotate it). */
  constructor(
    master: Buffer | MasterKeyFile,
    private readonly objects: VaultObjectRepo,
    private readonly newKeyId: () => string,
  ) {
    this.keyFile = Buffer.isBuffer(master) ? undefined : master;
    const key = Buffer.isBuffer(master) ? master : master.load().key;
    if (key.length !== 32) throw new RangeError('The master key is 256 bits.');
    this.masterKey = createSecretKey(key);
    this.fingerprint = masterKeyFingerprint(key);
    key.fill(0);
  }

  async init(): Promise<void> {
    if (this.providerKey) return;
    await this.settleMasterKey();
    const provider = await this.objectOrCreate(PROVIDER_KEY_HANDLE, 'provider-key', () => ({
      plaintext: randomBytes(32),
      providerKeyId: this.newKeyId(),
    }));
    this.providerKey = { id: providerKeyIdOf(provider.stored), key: createSecretKey(provider.plaintext) };
    provider.plaintext.fill(0);
    const audit = await this.objectOrCreate(AUDIT_KEY_HANDLE, 'audit-key', () => ({ plaintext: randomBytes(32) }));
    this.auditKey = createSecretKey(audit.plaintext);
    audit.plaintext.fill(0);
  }

  /**
   * Picks, among the key file and any staged by a rotation that crashed, the master key the table
   * is sealed under, and finishes or discards that rotation (master-key.ts).
   */
  private async settleMasterKey(): Promise<void> {
    const sealedUnder = await this.objects.sealingKey();
    if (this.keyFile === undefined || sealedUnder === undefined || sealedUnder === this.fingerprint) {
      if (sealedUnder !== undefined && sealedUnder !== this.fingerprint) throw new Error(WRONG_MASTER_KEY);
      for (const staged of this.keyFile?.stagedFiles() ?? []) this.keyFile!.discard(staged);
      return;
    }
    const match = this.keyFile.candidates().find((c) => masterKeyFingerprint(c.key) === sealedUnder);
    if (!match) throw new Error(WRONG_MASTER_KEY);
    if (match.staged) this.keyFile.commit(match.staged);
    for (const staged of this.keyFile.stagedFiles()) this.keyFile.discard(staged);
    this.useMasterKey(match.key);
  }

  private useMasterKey(key: Buffer): void {
    this.masterKey = createSecretKey(key);
    this.fingerprint = masterKeyFingerprint(key);
    key.fill(0);
  }

  /** Another instance rotated: read the new key from the file (once per miss). */
  private async reloadMasterKey(): Promise<boolean> {
    if (this.keyFile === undefined) return false;
    const sealedUnder = await this.objects.sealingKey();
    const match = this.keyFile.candidates().find((c) => masterKeyFingerprint(c.key) === sealedUnder);
    if (!match || masterKeyFingerprint(match.key) === this.fingerprint) return false;
    this.useMasterKey(match.key);
    return true;
  }

  /** Writes under the current master key; reloads it once if the table says it changed. */
  private async put(handle: string, kind: 'provider-key' | 'private-key' | 'audit-key', sealWith: (key: KeyObject) => string): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      const result = await this.objects.putIfAbsent(handle, kind, sealWith(this.masterKey), this.fingerprint);
      if ('stored' in result) return result.stored;
      if (attempt > 0 || !(await this.reloadMasterKey())) throw new Error(WRONG_MASTER_KEY);
    }
  }

  private async objectOrCreate(
    handle: string,
    kind: 'provider-key' | 'audit-key',
    fresh: () => { plaintext: Buffer; providerKeyId?: string },
  ): Promise<{ stored: string; plaintext: Buffer }> {
    let stored = await this.objects.get(handle);
    if (stored === undefined) {
      const made = fresh();
      // First writer wins when several instances start on one store at once.
      stored = await this.put(handle, kind, (key) =>
        sealObject(key, { handle, kind, ...(made.providerKeyId ? { providerKeyId: made.providerKeyId } : {}) }, made.plaintext),
      );
      made.plaintext.fill(0);
    }
    try {
      return { stored, plaintext: openObject(this.masterKey, { handle, kind, sealed: stored }) };
    } catch {
      throw new Error(WRONG_MASTER_KEY);
    }
  }

  /**
   * Re-seals everything under a new master key and overwrites the old key file (SPEC L4: a lock
   * offers it, so that old copies of the control store stop opening with the current key).
   * Refused, saying why, when the vault was given only a key and no file, or cannot write beside
   * the file; another instance rotating at the same moment wins and this one changes nothing.
   */
  async rotateMasterKey(): Promise<MasterKeyRotation> {
    if (this.keyFile === undefined) return { rotated: false, reason: 'the master key was given without its file' };
    if (!this.keyFile.writable()) return { rotated: false, reason: `Keyward cannot write beside ${this.keyFile.path}` };
    const next = randomBytes(32);
    const nextKey = createSecretKey(next);
    const nextFingerprint = masterKeyFingerprint(next);
    const staged = this.keyFile.stage(next);
    try {
      const done = await this.objects.resealAll(this.fingerprint, nextFingerprint, (object) => {
        const plaintext = openObject(this.masterKey, object);
        try {
          return sealObject(nextKey, object, plaintext);
        } finally {
          plaintext.fill(0);
        }
      });
      if (!done) {
        this.keyFile.discard(staged);
        return { rotated: false, reason: 'another instance rotated the master key at the same moment' };
      }
      this.keyFile.commit(staged);
      this.useMasterKey(next);
      return { rotated: true, fingerprint: nextFingerprint };
    } catch (error) {
      // Before the re-seal committed, nothing was sealed under the staged key: it goes. After,
      // a start finds the staged file and finishes (master-key.ts).
      if ((await this.objects.sealingKey()) !== nextFingerprint) this.keyFile.discard(staged);
      throw error;
    } finally {
      next.fill(0);
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

  async importPrivateKey(handle: string, privateKey: KeyObject): Promise<void> {
    assertHandle(handle);
    if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'rsa') throw new RangeError('Only RSA private keys go into the vault.');
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    try {
      let written = '';
      const stored = await this.put(handle, 'private-key', (key) => (written = sealObject(key, { handle, kind: 'private-key' }, der)));
      if (stored !== written) {
        const existing = await this.openPrivateKey(handle, stored);
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
    const key = await this.privateKeyFor(handle);
    try {
      return privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, ciphertext);
    } catch {
      throw new KeywardError('INTERNAL', GENERIC_FAILURE);
    }
  }

  async decryptBatchWithPrivateKey(handle: string, ciphertexts: readonly Buffer[], hash: OaepHash): Promise<(Buffer | null)[]> {
    // One KeyObject for the batch: parsing it costs more than a decryption, and OpenSSL's
    // per-key precomputation is paid once. It goes out of scope when the batch is done.
    const key = await this.privateKeyFor(handle);
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

  private async privateKeyFor(handle: string): Promise<KeyObject> {
    assertHandle(handle);
    const stored = await this.objects.get(handle);
    if (stored === undefined) throw new KeywardError('INTERNAL', GENERIC_FAILURE);
    try {
      return await this.openPrivateKey(handle, stored);
    } catch {
      throw new KeywardError('INTERNAL', GENERIC_FAILURE);
    }
  }

  /** Opens a sealed private key, reloading the master key once if another instance rotated it. */
  private async openPrivateKey(handle: string, stored: string): Promise<KeyObject> {
    const attempt = (sealed: string) => {
      const der = openObject(this.masterKey, { handle, kind: 'private-key', sealed });
      try {
        return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
      } finally {
        der.fill(0);
      }
    };
    try {
      return attempt(stored);
    } catch (error) {
      if (!(await this.reloadMasterKey())) throw error;
      return attempt((await this.objects.get(handle)) ?? stored);
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
