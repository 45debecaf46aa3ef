import type { KeyObject } from 'node:crypto';
import { PROVIDER_ALG } from '../../../crypto/envelope.js';
import { KeywardError } from '../../../domain/errors.js';
import type { OaepHash, SealedBytes, SealedKeyStore, Vault } from '../../../ports/vault.js';
import { loadPkcs11Module, type Handle, type Pkcs11Api } from './pkcs11-api.js';
import { decryptFailure, UNKNOWN_PROVIDER_KEY, unwrapFailure } from './pkcs11-errors.js';
import {
  assertNonExtractable,
  ckaIdOfProviderKey,
  findProviderKeys,
  generateProviderKey,
  openInToken,
  sealInToken,
  type ProviderKey,
} from './provider-key.js';
import {
  assertHandle,
  conflict,
  createPrivateKeyObject,
  findAllObjects,
  findPrivateKeys,
  holdsSameKey,
  listPrivateKeyHandles,
  oaepDecrypt,
  rsaComponents,
  wipe,
} from './private-keys.js';
import { findAuditKeys, generateAuditKey, macInToken, type AuditKey } from './audit-key.js';
import { checkProviderKey, probeOaepHashes } from './self-test.js';
import { SessionPool } from './session-pool.js';
import { loginToToken, type TokenLogin } from './token-login.js';

export interface Pkcs11VaultOptions {
  /** Path of the vendor's PKCS#11 library (KEYWARD_PKCS11_MODULE). */
  modulePath: string;
  /** Label of the token to use (KEYWARD_PKCS11_TOKEN_LABEL). */
  tokenLabel: string;
  /** The token's user PIN (KEYWARD_PKCS11_PIN); sent once, dropped after login. */
  pin: string;
  /** CKA_LABEL of the provider key object. */
  providerKeyLabel?: string;
  /** Sessions opened at most (operations beyond wait their turn). */
  poolSize?: number;
  /**
   * The control store's settings, shared by every server instance. When given, the first
   * instance to start records which provider key the deployment uses and every later one uses
   * that key (one provider key even when instances start at once), and a start against a token
   * that lacks the recorded key is refused instead of generating a new key that opens nothing.
   */
  sealedKeys?: SealedKeyStore;
  /**
   * An already loaded module to use instead of loading `modulePath` (tests inject a fault or
   * counting wrapper). The vault does not unload a module it was given.
   */
  pkcs11?: Pkcs11Api;
}

interface Connected {
  p: Pkcs11Api;
  login: TokenLogin;
  pool: SessionPool;
  unload: () => void;
}

/**
 * The vault over a PKCS#11 token: the provider key is a non-extractable AES key in the token,
 * tenant private keys are non-extractable RSA objects, and every seal, open and RSA decryption
 * runs inside the token. Invariants in INVARIANTS.md beside this file.
 */
export class Pkcs11Vault implements Vault {
  readonly kind = 'pkcs11' as const;
  private hashes: readonly OaepHash[] = [];
  private pin: string | undefined;
  private connected: Connected | undefined;
  private starting: Promise<void> | undefined;
  private current: ProviderKey | undefined;
  private auditKey: AuditKey | undefined;
  /** Provider keys found so far, by id; token object handles hold for the whole login. */
  private readonly providerKeys = new Map<string, Handle>();
  private readonly providerKeyLabel: string;
  private readonly options: Omit<Pkcs11VaultOptions, 'pin'>;

  constructor({ pin, ...options }: Pkcs11VaultOptions) {
    this.pin = pin;
    this.options = options;
    this.providerKeyLabel = options.providerKeyLabel ?? 'keyward-provider-key';
  }

  get oaepHashes(): readonly OaepHash[] {
    return this.hashes;
  }

  init(): Promise<void> {
    if (this.connected) return Promise.resolve();
    this.starting ??= this.start().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async start(): Promise<void> {
    if (this.pin === undefined) throw new Error('This PKCS#11 vault was closed; make a new one.');
    const { modulePath, tokenLabel } = this.options;
    const given = this.options.pkcs11;
    const loaded = given ? undefined : loadPkcs11Module(modulePath);
    const p: Pkcs11Api = given ?? loaded!;
    const unload = () => loaded?.close();
    let login: TokenLogin | undefined;
    let pool: SessionPool | undefined;
    try {
      login = loginToToken(p, modulePath, tokenLabel, this.pin);
      pool = new SessionPool(p, login.slot, this.options.poolSize ?? 4);
      const use = <T>(op: (session: Handle) => Promise<T>) => pool!.use(op);
      const current = await this.settleProviderKey(p, use);
      await checkProviderKey(p, use, current.handle);
      login.capabilities.oaepHashes ??= await use((session) => probeOaepHashes(p, session));
      this.hashes = login.capabilities.oaepHashes;
      this.auditKey = await this.settleAuditKey(p, use);
      this.current = current;
      this.providerKeys.set(current.id, current.handle);
      this.connected = { p, login, pool, unload };
      this.pin = undefined; // logged in: never needed again (a closed vault is not reopened)
    } catch (error) {
      await pool?.close();
      login?.release(p);
      unload();
      throw error;
    }
  }

  /** The recorded provider key if the store names one, else the token's, recorded first-writer-wins. */
  private async settleProviderKey(p: Pkcs11Api, use: <T>(op: (session: Handle) => Promise<T>) => Promise<T>): Promise<ProviderKey> {
    const setting = `vault.pkcs11.providerKey.${this.providerKeyLabel}`;
    const store = this.options.sealedKeys;
    const recorded = await store?.get(setting);
    if (recorded !== undefined) return use((session) => Promise.resolve(this.recordedProviderKey(p, session, recorded)));
    const candidate = await use((session) => Promise.resolve(this.findOrCreateProviderKey(p, session)));
    if (!store) return candidate;
    const winner = await store.putIfAbsent(setting, candidate.id);
    // Another instance recorded its key first: use that one. Ours stays (never destroyed, see
    // INVARIANTS.md); nothing was sealed with it.
    return winner === candidate.id ? candidate : use((session) => Promise.resolve(this.recordedProviderKey(p, session, winner)));
  }

  /** The audit key the store names, else the token's (made if none), recorded first-writer-wins. */
  private async settleAuditKey(p: Pkcs11Api, use: <T>(op: (session: Handle) => Promise<T>) => Promise<T>): Promise<AuditKey> {
    const label = `${this.providerKeyLabel}-audit`;
    const setting = `vault.pkcs11.auditKey.${label}`;
    const find = (session: Handle, id?: string) => findAuditKeys(p, session, label).filter((k) => id === undefined || k.id === id);
    const store = this.options.sealedKeys;
    let wanted = await store?.get(setting);
    if (wanted === undefined) {
      const candidate = await use((session) => {
        if (find(session).length === 0) generateAuditKey(p, session, label);
        return Promise.resolve(find(session)[0]);
      });
      if (!candidate) throw new Error('The HSM generated the audit key but a search does not find it.');
      wanted = store ? await store.putIfAbsent(setting, candidate.id) : candidate.id;
    }
    const chosen = await use((session) => Promise.resolve(find(session, wanted)[0]));
    if (!chosen) {
      throw new Error(
        `The control store says this deployment's audit key is ${wanted}, but token ${JSON.stringify(this.options.tokenLabel)} holds no such key labelled ${JSON.stringify(label)}: point Keyward at the HSM token this data was made with.`,
      );
    }
    return chosen;
  }

  async auditMac(bytes: Buffer): Promise<Buffer> {
    const { p, pool } = this.require();
    const key = this.auditKey!;
    return pool.use((session) => Promise.resolve(macInToken(p, session, key.handle, bytes)));
  }

  private recordedProviderKey(p: Pkcs11Api, session: Handle, id: string): ProviderKey {
    const ckaId = ckaIdOfProviderKey(id);
    const [key] = ckaId ? findProviderKeys(p, session, this.providerKeyLabel, ckaId) : [];
    if (!key) {
      throw new Error(
        `The control store says this deployment's provider key is ${id}, but token ${JSON.stringify(this.options.tokenLabel)} holds no such key ` +
          `labelled ${JSON.stringify(this.providerKeyLabel)}: point KEYWARD_PKCS11_MODULE and KEYWARD_PKCS11_TOKEN_LABEL at the HSM token this data was made with.`,
      );
    }
    assertNonExtractable(p, session, key);
    this.providerKeys.set(key.id, key.handle);
    return key;
  }

  /** Find, else generate and search again; the lowest CKA_ID wins (see provider-key.ts). */
  private findOrCreateProviderKey(p: Pkcs11Api, session: Handle): ProviderKey {
    let keys = findProviderKeys(p, session, this.providerKeyLabel);
    if (keys.length === 0) {
      generateProviderKey(p, session, this.providerKeyLabel);
      keys = findProviderKeys(p, session, this.providerKeyLabel);
    }
    const chosen = keys[0];
    if (!chosen) throw new Error('The HSM generated the provider key but a search does not find it.');
    if (!ckaIdOfProviderKey(chosen.id))
      throw new Error(`The provider key labelled ${JSON.stringify(this.providerKeyLabel)} has no usable CKA_ID; give it one (1 to 62 bytes).`);
    assertNonExtractable(p, session, chosen);
    for (const key of keys) this.providerKeys.set(key.id, key.handle);
    return chosen;
  }

  providerKeyId(): string {
    if (!this.current) throw new Error('The vault is not initialised; call init() first.');
    return this.current.id;
  }

  async sealWithProviderKey(plaintext: Buffer, aad: Buffer): Promise<SealedBytes> {
    const { p, pool } = this.require();
    const key = this.current!;
    const sealed = await pool.use((session) => sealInToken(p, session, key.handle, plaintext, aad));
    return { keyId: key.id, alg: PROVIDER_ALG, sealed };
  }

  async openWithProviderKey(sealed: SealedBytes, aad: Buffer): Promise<Buffer> {
    const { p, pool } = this.require();
    const ckaId = ckaIdOfProviderKey(sealed.keyId);
    if (sealed.alg !== PROVIDER_ALG || !ckaId) throw new KeywardError('INTERNAL', UNKNOWN_PROVIDER_KEY);
    let handle = this.providerKeys.get(sealed.keyId);
    if (!handle) {
      // Made by another instance that started at the same time (see provider-key.ts).
      const [found] = await pool
        .use((session) => Promise.resolve(findProviderKeys(p, session, this.providerKeyLabel, ckaId)))
        .catch(() => {
          throw unwrapFailure();
        });
      if (!found) throw new KeywardError('INTERNAL', UNKNOWN_PROVIDER_KEY);
      this.providerKeys.set(found.id, found.handle);
      handle = found.handle;
    }
    const key = handle;
    try {
      return await pool.use((session) => openInToken(p, session, key, sealed.sealed, aad));
    } catch {
      // One message for every failure: which check failed is nobody's business.
      throw unwrapFailure();
    }
  }

  async importPrivateKey(handle: string, privateKey: KeyObject): Promise<void> {
    assertHandle(handle);
    const { p, pool } = this.require();
    const rsa = rsaComponents(privateKey);
    try {
      await pool.use((session) => {
        const existing = findPrivateKeys(p, session, handle);
        if (existing.length > 0) {
          if (!existing.every((object) => holdsSameKey(p, session, object, rsa))) throw conflict();
          return Promise.resolve();
        }
        const created = createPrivateKeyObject(p, session, handle, rsa);
        // Another instance may have imported under the same handle meanwhile. The same key
        // twice is harmless (decrypt uses any, destroy removes all); another key is a conflict,
        // and ours goes so the token never holds two different keys under one handle.
        const now = findPrivateKeys(p, session, handle);
        if (!now.every((object) => holdsSameKey(p, session, object, rsa))) {
          p.C_DestroyObject(session, created);
          throw conflict();
        }
        return Promise.resolve();
      });
    } finally {
      wipe(rsa);
    }
  }

  async hasPrivateKey(handle: string): Promise<boolean> {
    assertHandle(handle);
    const { p, pool } = this.require();
    return pool.use((session) => Promise.resolve(findPrivateKeys(p, session, handle).length > 0));
  }

  async decryptWithPrivateKey(handle: string, ciphertext: Buffer, hash: OaepHash): Promise<Buffer> {
    assertHandle(handle);
    const { p, pool } = this.require();
    if (!this.hashes.includes(hash)) {
      // Not a decryption failure: a configuration one, and no secret depends on it.
      throw new KeywardError('INTERNAL', `This HSM cannot decrypt RSA-OAEP with ${hash}; it supports ${this.hashes.join(', ')}.`);
    }
    try {
      return await pool.use(async (session) => {
        const [key] = findPrivateKeys(p, session, handle);
        if (!key) throw decryptFailure();
        return oaepDecrypt(p, session, key, ciphertext, hash);
      });
    } catch {
      throw decryptFailure();
    }
  }

  /** Destroys every object under the handle, then proves by a search that none is left. */
  async destroyPrivateKey(handle: string): Promise<void> {
    assertHandle(handle);
    const { p, pool } = this.require();
    const providerKeys = [...this.providerKeys.values()];
    await pool.use((session) => {
      const objects = findAllObjects(p, session, handle);
      // Keyward's provider key ids cannot equal a handle; one an operator made by hand could.
      if (objects.some((object) => providerKeys.some((key) => key.equals(object)))) {
        throw new KeywardError('INTERNAL', 'A key handle names the provider key in the HSM; nothing was destroyed.');
      }
      for (const object of objects) p.C_DestroyObject(session, object);
      const left = findAllObjects(p, session, handle).length;
      if (left > 0) throw new KeywardError('INTERNAL', `The HSM still holds ${left} object(s) of a key that was to be destroyed; try again.`);
      return Promise.resolve();
    });
  }

  async listPrivateKeys(): Promise<string[]> {
    const { p, pool } = this.require();
    return pool.use((session) => Promise.resolve(listPrivateKeyHandles(p, session)));
  }

  /** Logs out (if the last vault on this token), closes its sessions, finalises the module. */
  async close(): Promise<void> {
    await this.starting?.catch(() => undefined);
    const connected = this.connected;
    this.connected = undefined;
    this.current = undefined;
    this.auditKey = undefined;
    this.pin = undefined;
    if (!connected) return;
    await connected.pool.close();
    connected.login.release(connected.p);
    connected.unload();
  }

  private require(): Connected {
    if (!this.connected) throw new Error('The vault is not initialised; call init() first.');
    return this.connected;
  }
}

/**
 * What main calls for KEYWARD_VAULT=pkcs11, with the store's settings as `sealedKeys` (as the
 * software vault gets them); it still has to `await vault.init()`.
 */
export function createPkcs11Vault(config: { modulePath: string; tokenLabel: string; pin: string; sealedKeys?: SealedKeyStore }): Pkcs11Vault {
  return new Pkcs11Vault({ modulePath: config.modulePath, tokenLabel: config.tokenLabel, pin: config.pin, sealedKeys: config.sealedKeys });
}
