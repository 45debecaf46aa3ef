import { constants, generateKeyPairSync, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SealedKeyStore, Vault, VaultObjectRepo } from '../../src/ports/vault.js';
import { memoryVaultObjects } from '../support/memory-vault-objects.js';
import { parseWrappedKey, unwrapDek, wrapDekWithProviderKey, formatWrappedKey } from '../../src/crypto/envelope.js';

/** A store of sealed keys in memory, as the control store's settings behave. */
export function memorySealedKeys(): SealedKeyStore & { values: Map<string, string> } {
  const values = new Map<string, string>();
  return {
    values,
    get: (name) => Promise.resolve(values.get(name)),
    putIfAbsent: (name, value) => {
      if (!values.has(name)) values.set(name, value);
      return Promise.resolve(values.get(name)!);
    },
  };
}

/**
 * What a vault may keep in the control store, in memory: the settings (the PKCS#11 vault records
 * its provider key there) and the software vault's sealed objects. Two vaults made over one
 * backing share it, as server instances share a store.
 */
export interface VaultBacking {
  settings: SealedKeyStore & { values: Map<string, string> };
  objects: VaultObjectRepo;
}
export const memoryBacking = (): VaultBacking => ({ settings: memorySealedKeys(), objects: memoryVaultObjects() });

const rsa = (bits = 2048) => generateKeyPairSync('rsa', { modulusLength: bits });
const oaep = (publicKey: KeyObject, data: Buffer, hash: string) =>
  publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, data);
let handleCounter = 0;
const handle = () => `key_contract_${process.pid}_${Date.now().toString(36)}_${handleCounter++}`;

export interface VaultFactory {
  /** A vault over the given backing; `instance` distinguishes two vaults sharing it. */
  make(backing: VaultBacking, instance?: number): Promise<Vault>;
}

/** Every vault adapter must pass this suite (software vault now, PKCS#11 later). */
export function vaultContract(name: string, factory: VaultFactory): void {
  describe(`vault contract: ${name}`, () => {
    it('wraps and unwraps a DEK bound to its environment', async () => {
      const vault = await factory.make(memoryBacking());
      const dek = randomBytes(32);
      const wrapped = await wrapDekWithProviderKey(vault, dek, 'env_a');
      expect(wrapped.startsWith('kw1:')).toBe(true);
      expect(wrapped).not.toContain(dek.toString('base64url'));
      expect((await unwrapDek(vault, wrapped, 'env_a')).equals(dek)).toBe(true);
    });

    it('refuses a wrapped DEK moved to another environment', async () => {
      const vault = await factory.make(memoryBacking());
      const wrapped = await wrapDekWithProviderKey(vault, randomBytes(32), 'env_a');
      await expect(unwrapDek(vault, wrapped, 'env_b')).rejects.toMatchObject({ code: 'INTERNAL' });
    });

    it('refuses a tampered payload or header with one generic message', async () => {
      const vault = await factory.make(memoryBacking());
      const wrapped = parseWrappedKey(await wrapDekWithProviderKey(vault, randomBytes(32), 'env_a'));
      const flipped = Buffer.from(wrapped.payload);
      flipped[20] = flipped[20]! ^ 1;
      const tampered = formatWrappedKey({ ...wrapped, payload: flipped });
      await expect(unwrapDek(vault, tampered, 'env_a')).rejects.toThrow('A data key could not be unwrapped.');
      await expect(unwrapDek(vault, formatWrappedKey({ ...wrapped, alg: 'A128GCM' }), 'env_a')).rejects.toMatchObject({ code: 'INTERNAL' });
      await expect(unwrapDek(vault, 'vault:v1:abc', 'env_a')).rejects.toMatchObject({ code: 'INTERNAL' });
    });

    it('two vaults sharing one store use one provider key; init is idempotent', async () => {
      const shared = memoryBacking();
      const [a, b] = [await factory.make(shared, 1), await factory.make(shared, 2)];
      await a.init();
      expect(a.providerKeyId()).toBe(b.providerKeyId());
      const dek = randomBytes(32);
      expect((await unwrapDek(b, await wrapDekWithProviderKey(a, dek, 'env_x'), 'env_x')).equals(dek)).toBe(true);
    });

    it('imports a private key and decrypts RSA-OAEP inside the vault with every hash it names', async () => {
      const vault = await factory.make(memoryBacking());
      const { publicKey, privateKey } = rsa();
      const h = handle();
      expect(await vault.hasPrivateKey(h)).toBe(false);
      await vault.importPrivateKey(h, privateKey);
      expect(await vault.hasPrivateKey(h)).toBe(true);
      expect(vault.oaepHashes.length).toBeGreaterThan(0);
      for (const hash of vault.oaepHashes) {
        const secret = randomBytes(48);
        expect((await vault.decryptWithPrivateKey(h, oaep(publicKey, secret, hash), hash)).equals(secret)).toBe(true);
      }
      await vault.destroyPrivateKey(h);
    });

    it('importing the same key twice is a no-op; another key under the same handle is refused', async () => {
      const vault = await factory.make(memoryBacking());
      const first = rsa();
      const h = handle();
      await vault.importPrivateKey(h, first.privateKey);
      await vault.importPrivateKey(h, first.privateKey);
      await expect(vault.importPrivateKey(h, rsa().privateKey)).rejects.toThrow();
      const secret = randomBytes(32);
      const hash = vault.oaepHashes[0]!;
      expect((await vault.decryptWithPrivateKey(h, oaep(first.publicKey, secret, hash), hash)).equals(secret)).toBe(true);
      await vault.destroyPrivateKey(h);
    });

    it('fails every bad decryption with one generic message', async () => {
      const vault = await factory.make(memoryBacking());
      const { publicKey, privateKey } = rsa();
      const h = handle();
      await vault.importPrivateKey(h, privateKey);
      const hash = vault.oaepHashes[0]!;
      const good = oaep(publicKey, randomBytes(32), hash);
      const flipped = Buffer.from(good);
      flipped[10] = flipped[10]! ^ 0xff;
      const messages = new Set<string>();
      for (const attempt of [
        () => vault.decryptWithPrivateKey(h, flipped, hash),
        () => vault.decryptWithPrivateKey(h, oaep(rsa().publicKey, randomBytes(32), hash), hash),
        () => vault.decryptWithPrivateKey(handle(), good, hash),
      ]) {
        await expect(attempt()).rejects.toMatchObject({ code: 'INTERNAL' });
        await attempt().catch((e: Error) => messages.add(e.message));
      }
      expect(messages.size).toBe(1);
      await vault.destroyPrivateKey(h);
    });

    it('destroy leaves nothing that can decrypt, and is idempotent', async () => {
      const sealed = memoryBacking();
      const vault = await factory.make(sealed);
      const { publicKey, privateKey } = rsa();
      const h = handle();
      await vault.importPrivateKey(h, privateKey);
      const hash = vault.oaepHashes[0]!;
      const ciphertext = oaep(publicKey, randomBytes(32), hash);
      await vault.destroyPrivateKey(h);
      expect(await vault.hasPrivateKey(h)).toBe(false);
      await expect(vault.decryptWithPrivateKey(h, ciphertext, hash)).rejects.toMatchObject({ code: 'INTERNAL' });
      await vault.destroyPrivateKey(h);
      // A second vault over the same store cannot either: nothing of the key is left anywhere.
      const other = await factory.make(sealed, 2);
      await expect(other.decryptWithPrivateKey(h, ciphertext, hash)).rejects.toMatchObject({ code: 'INTERNAL' });
    });

    it('keeps no provider key in the clear in its store', async () => {
      const shared = memoryBacking();
      const vault = await factory.make(shared);
      const dek = randomBytes(32);
      await wrapDekWithProviderKey(vault, dek, 'env_a');
      for (const value of shared.settings.values.values()) expect(value).not.toContain(dek.toString('base64'));
      for (const handle of await shared.objects.list('provider-key')) expect(await shared.objects.get(handle)).not.toContain(dek.toString('base64'));
    });

    it('MACs the audit chain with one key per deployment, shared by its instances', async () => {
      const shared = memoryBacking();
      const [a, b] = [await factory.make(shared, 1), await factory.make(shared, 2)];
      const bytes = Buffer.from('["keyward-audit-v2","ten_1",1]');
      const mac = await a.auditMac(bytes);
      expect(mac).toHaveLength(32);
      expect((await b.auditMac(bytes)).equals(mac)).toBe(true);
      expect((await a.auditMac(Buffer.from('another entry'))).equals(mac)).toBe(false);
      // The key never shows in the store: nothing there is the MAC key in the clear.
      for (const value of shared.settings.values.values()) expect(value).not.toContain(mac.toString('hex'));
    });

    it('lists the private keys it holds by its own search, and forgets destroyed ones', async () => {
      const vault = await factory.make(memoryBacking());
      const [a, b] = [handle(), handle()];
      await vault.importPrivateKey(a, rsa().privateKey);
      await vault.importPrivateKey(b, rsa().privateKey);
      expect(await vault.listPrivateKeys()).toEqual(expect.arrayContaining([a, b]));
      await vault.destroyPrivateKey(a);
      const held = await vault.listPrivateKeys();
      expect(held).toContain(b);
      expect(held).not.toContain(a);
      await vault.destroyPrivateKey(b);
      expect(await vault.listPrivateKeys()).not.toContain(b);
    });
  });
}
