import { execFile } from 'node:child_process';
import { constants, generateKeyPairSync, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pkcs11js from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DECRYPT_FAILURE, UNWRAP_FAILURE } from '../../src/adapters/vault/pkcs11/pkcs11-errors.js';
import { Pkcs11Vault } from '../../src/adapters/vault/pkcs11/pkcs11-vault.js';
import { SoftwareVault } from '../../src/adapters/vault/software-vault.js';
import { unwrapDek, wrapDekWithProviderKey } from '../../src/crypto/envelope.js';
import type { SealedKeyStore } from '../../src/ports/vault.js';
import { memorySealedKeys } from '../contracts/vault.contract.js';
import { memoryVaultObjects } from '../support/memory-vault-objects.js';
import { createSoftHsmToken, requireSoftHsm, softHsmStatus, type SoftHsmToken } from '../support/softhsm.js';
import { listTokenObjects, withTokenSession } from './token-objects.js';

const SUITE = 'PKCS#11 vault on SoftHSM2';
const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex');
const vaultOn = (t: SoftHsmToken, extra: Partial<ConstructorParameters<typeof Pkcs11Vault>[0]> = {}) =>
  new Pkcs11Vault({ modulePath: t.modulePath, tokenLabel: t.tokenLabel, pin: t.pin, ...extra });
const oaep = (key: KeyObject, data: Buffer, hash: string) => publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, data);

/** The fixture's file-backed store, read from this process. */
function fileStore(dir: string): SealedKeyStore {
  const file = (name: string) => join(dir, encodeURIComponent(name));
  const read = (name: string) => {
    try {
      return readFileSync(file(name), 'utf8');
    } catch {
      return undefined;
    }
  };
  return {
    get: (name) => Promise.resolve(read(name)),
    putIfAbsent(name, value) {
      try {
        writeFileSync(file(name), value, { flag: 'wx' });
      } catch {
        // taken
      }
      return Promise.resolve(read(name)!);
    },
  };
}

function addAesKey(t: SoftHsmToken, label: string, id: Buffer): void {
  withTokenSession(t, (p, session) =>
    p.C_GenerateKey(session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
      { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: false },
      { type: pkcs11js.CKA_ENCRYPT, value: true },
      { type: pkcs11js.CKA_DECRYPT, value: true },
      { type: pkcs11js.CKA_LABEL, value: label },
      { type: pkcs11js.CKA_ID, value: id },
    ]),
  );
}

if (requireSoftHsm(SUITE)) {
  describe(SUITE, () => {
    // SoftHSM2 scans its token directory once per process: every token is made up front.
    let main: SoftHsmToken;
    let race: SoftHsmToken;
    const open: Pkcs11Vault[] = [];
    const started = async (t: SoftHsmToken, extra = {}) => {
      const vault = vaultOn(t, extra);
      open.push(vault);
      await vault.init();
      return vault;
    };

    beforeAll(async () => {
      [main, race] = await Promise.all([createSoftHsmToken(), createSoftHsmToken()]);
    });
    afterAll(async () => {
      for (const vault of open) await vault.close();
      await Promise.all([main?.cleanup(), race?.cleanup()]);
    });

    it('keeps the provider key as a non-extractable AES key whose CKA_ID is its id; SoftHSM2 2.6 offers OAEP with SHA-1 only', async () => {
      const vault = await started(main);
      const secrets = listTokenObjects(main).filter((o) => o.class === 'secret');
      // Beside the provider key, only the audit chain's HMAC key (SPEC L5).
      expect(secrets.map((o) => o.label).sort()).toEqual(['keyward-provider-key', 'keyward-provider-key-audit']);
      const key = secrets.find((o) => o.label === 'keyward-provider-key');
      expect(key!.label).toBe('keyward-provider-key');
      expect(vault.providerKeyId()).toBe(`hsm-${key!.id}`);
      expect(vault.providerKeyId()).toMatch(/^hsm-00[0-9a-f]{30}$/);
      const version = softHsmStatus();
      if (version.available && version.version.startsWith('2.6')) expect(vault.oaepHashes).toEqual(['sha1']);
      withTokenSession(main, (p, session) => {
        p.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_ID, value: Buffer.from(key!.id, 'hex') }]);
        const [handle] = p.C_FindObjects(session, 2);
        p.C_FindObjectsFinal(session);
        const [sensitive, extractable] = p.C_GetAttributeValue(session, handle!, [
          { type: pkcs11js.CKA_SENSITIVE },
          { type: pkcs11js.CKA_EXTRACTABLE },
        ]);
        expect([sensitive!.value[0], extractable!.value[0]]).toEqual([1, 0]);
        expect(() => p.C_GetAttributeValue(session, handle!, [{ type: pkcs11js.CKA_VALUE }])).toThrow(/CKR_ATTRIBUTE_SENSITIVE/);
      });
    });

    it('imports a tenant key the token will not give back, and after destroy no object of any class carries its id', async () => {
      const vault = await started(main);
      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const handle = `tk_${randomBytes(6).toString('hex')}`;
      await vault.importPrivateKey(handle, privateKey);
      const mine = listTokenObjects(main).filter((o) => o.id === hex(handle));
      expect(mine).toEqual([{ class: 'private', id: hex(handle), label: handle }]);
      withTokenSession(main, (p, session) => {
        p.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_ID, value: Buffer.from(handle) }]);
        const [object] = p.C_FindObjects(session, 2);
        p.C_FindObjectsFinal(session);
        const attrs = p.C_GetAttributeValue(session, object!, [
          { type: pkcs11js.CKA_TOKEN },
          { type: pkcs11js.CKA_PRIVATE },
          { type: pkcs11js.CKA_SENSITIVE },
          { type: pkcs11js.CKA_EXTRACTABLE },
          { type: pkcs11js.CKA_DECRYPT },
          { type: pkcs11js.CKA_SIGN },
        ]);
        expect(attrs.map((a) => a.value[0])).toEqual([1, 1, 1, 0, 1, 0]);
        for (const type of [pkcs11js.CKA_PRIVATE_EXPONENT, pkcs11js.CKA_PRIME_1]) {
          expect(() => p.C_GetAttributeValue(session, object!, [{ type }])).toThrow(/CKR_ATTRIBUTE_SENSITIVE/);
        }
      });
      const secret = randomBytes(32);
      expect((await vault.decryptWithPrivateKey(handle, oaep(publicKey, secret, 'sha1'), 'sha1')).equals(secret)).toBe(true);

      await vault.destroyPrivateKey(handle);
      const all = listTokenObjects(main);
      expect(all.filter((o) => o.id === hex(handle))).toEqual([]);
      expect(all.some((o) => o.class === 'secret')).toBe(true); // the listing does see objects
    });

    it('answers decrypt and unwrap failures with the software vault texts', async () => {
      const software = new SoftwareVault(randomBytes(32), memoryVaultObjects(), () => 'pk_1');
      await software.init();
      await expect(software.decryptWithPrivateKey('absent', randomBytes(256), 'sha1')).rejects.toMatchObject({ detail: DECRYPT_FAILURE });
      const wrapped = await wrapDekWithProviderKey(software, randomBytes(32), 'env_a');
      await expect(unwrapDek(software, wrapped, 'env_b')).rejects.toMatchObject({ detail: UNWRAP_FAILURE });
      const vault = await started(main);
      await expect(vault.decryptWithPrivateKey('absent', randomBytes(256), 'sha1')).rejects.toMatchObject({
        code: 'INTERNAL',
        detail: DECRYPT_FAILURE,
      });
      const hsmWrapped = await wrapDekWithProviderKey(vault, randomBytes(32), 'env_a');
      await expect(unwrapDek(vault, hsmWrapped, 'env_b')).rejects.toMatchObject({ code: 'INTERNAL', detail: UNWRAP_FAILURE });
      // A hash the token cannot do is said plainly: it is configuration, not a secret.
      if (!vault.oaepHashes.includes('sha256')) {
        await expect(vault.decryptWithPrivateKey('absent', randomBytes(256), 'sha256')).rejects.toThrow(/cannot decrypt RSA-OAEP with sha256/);
      }
    });

    it('picks the lowest CKA_ID when several provider keys exist, and opens what any of them sealed', async () => {
      const label = `pick-${randomBytes(3).toString('hex')}`;
      addAesKey(main, label, Buffer.from('05aa', 'hex'));
      const first = await started(main, { providerKeyLabel: label });
      expect(first.providerKeyId()).toBe('hsm-05aa');
      const dek1 = randomBytes(32);
      const wrapped1 = await wrapDekWithProviderKey(first, dek1, 'env_p');
      addAesKey(main, label, Buffer.from('02bb', 'hex'));
      const second = await started(main, { providerKeyLabel: label });
      expect(second.providerKeyId()).toBe('hsm-02bb');
      const dek2 = randomBytes(32);
      const wrapped2 = await wrapDekWithProviderKey(second, dek2, 'env_p');
      expect((await unwrapDek(second, wrapped1, 'env_p')).equals(dek1)).toBe(true);
      // `first` never saw 02bb at start: it finds it in the token when a DEK names it.
      expect((await unwrapDek(first, wrapped2, 'env_p')).equals(dek2)).toBe(true);
    });

    it('instances starting at once on an empty token end up using one provider key', async () => {
      const storeDir = mkdtempSync(join(tmpdir(), 'kw-store-'));
      const startAt = Date.now() + 2_500;
      const child = () =>
        promisify(execFile)(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'fixtures/start-vault.ts')], {
          env: { ...process.env, ...race.env, START_AT: String(startAt), STORE_DIR: storeDir },
          cwd: resolve(import.meta.dirname, '../..'),
        }).then(({ stdout }) => JSON.parse(stdout) as { id: string; wrapped: string; dek: string; attempts: number });
      const results = await Promise.all([child(), child(), child(), child()]);
      expect(new Set(results.map((r) => r.id)).size).toBe(1);
      const keys = listTokenObjects(race).filter((o) => o.class === 'secret');
      expect(keys.map((k) => `hsm-${k.id}`)).toContain(results[0].id);
      // A later instance sharing the store uses the recorded key, and opens everything.
      const later = await started(race, { sealedKeys: fileStore(storeDir) });
      expect(later.providerKeyId()).toBe(results[0].id);
      for (const r of results) expect((await unwrapDek(later, r.wrapped, 'env_race')).toString('hex')).toBe(r.dek);
      rmSync(storeDir, { recursive: true, force: true });
    }, 60_000);

    it('refuses to start on a token that lacks the provider key the store records', async () => {
      const store = memorySealedKeys();
      await store.putIfAbsent('vault.pkcs11.providerKey.keyward-provider-key', 'hsm-00ffeeddccbbaa99887766554433221100');
      const vault = vaultOn(main, { sealedKeys: store });
      await expect(vault.init()).rejects.toThrow(/holds no such key.*KEYWARD_PKCS11_TOKEN_LABEL/);
      expect(listTokenObjects(main).filter((o) => o.class === 'secret' && o.label === 'keyward-provider-key')).toHaveLength(1);
    });

    it('runs many operations at once through its few sessions', async () => {
      const vault = await started(main, { poolSize: 3 });
      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const handle = `tk_${randomBytes(6).toString('hex')}`;
      await vault.importPrivateKey(handle, privateKey);
      const secrets = Array.from({ length: 40 }, () => randomBytes(32));
      const [plain, unwrapped] = await Promise.all([
        Promise.all(secrets.map((s) => vault.decryptWithPrivateKey(handle, oaep(publicKey, s, 'sha1'), 'sha1'))),
        Promise.all(secrets.map(async (s, i) => unwrapDek(vault, await wrapDekWithProviderKey(vault, s, `env_${i}`), `env_${i}`))),
      ]);
      plain.forEach((p, i) => expect(p.equals(secrets[i]!)).toBe(true));
      unwrapped.forEach((p, i) => expect(p.equals(secrets[i]!)).toBe(true));
      await vault.destroyPrivateKey(handle);
    });

    it('closing one vault leaves another on the same token logged in; a closed vault refuses work', async () => {
      const a = await started(main);
      const b = await started(main);
      await a.close();
      await a.close();
      const dek = randomBytes(32);
      expect((await unwrapDek(b, await wrapDekWithProviderKey(b, dek, 'env_c'), 'env_c')).equals(dek)).toBe(true);
      expect(await b.hasPrivateKey('nothing_here')).toBe(false);
      await expect(a.sealWithProviderKey(dek, Buffer.alloc(0))).rejects.toThrow(/not initialised/);
      await expect(a.init()).rejects.toThrow(/closed/);
    });
  });
}
