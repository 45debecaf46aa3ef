import { constants, generateKeyPairSync, publicEncrypt, randomBytes } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pkcs11Vault } from '../../src/adapters/vault/pkcs11/pkcs11-vault.js';
import { unwrapDek, wrapDekWithProviderKey } from '../../src/crypto/envelope.js';
import { wrapPkcs11, type FaultyPkcs11 } from '../support/faulty-pkcs11.js';
import { createSoftHsmToken, requireSoftHsm, type SoftHsmToken } from '../support/softhsm.js';
import { listTokenObjects } from './token-objects.js';

const SUITE = 'PKCS#11 vault under device faults';
const FAILURE_RATE = 0.2;
const MAX_ATTEMPTS = 60;

/** What a caller (a resumable job step) does: try again until it works. Counts the failures. */
async function retried<T>(work: () => Promise<T>, failures: { count: number; codes: Set<string> }): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      failures.count += 1;
      failures.codes.add((error as { code?: string }).code ?? (error as Error).message.slice(0, 60));
      if (attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

if (requireSoftHsm(SUITE)) {
  describe(SUITE, () => {
    let token: SoftHsmToken;
    let faulty: FaultyPkcs11;
    let vault: Pkcs11Vault;
    const failures = { count: 0, codes: new Set<string>() };

    beforeAll(async () => {
      token = await createSoftHsmToken();
      const loaded = new pkcs11js.PKCS11();
      loaded.load(token.modulePath);
      // Every C_* call may fail but C_Finalize, so the token is left tidy for the final look.
      // A start makes ~30 calls (login, provider key, self-tests): at 20% almost none would get
      // through, so the start sees a lighter storm; it must still leave one provider key.
      // FAULT_SEED=n replays another storm (25 seeds were tried when this was written).
      faulty = wrapPkcs11(loaded, { failureRate: 0.03, seed: Number(process.env.FAULT_SEED ?? 20240611), canFail: (m) => m !== 'C_Finalize' });
      vault = new Pkcs11Vault({ modulePath: token.modulePath, tokenLabel: token.tokenLabel, pin: token.pin, pkcs11: faulty, poolSize: 3 });
      await retried(() => vault.init(), failures);
      faulty.failureRate = FAILURE_RATE;
    });
    afterAll(async () => {
      faulty.failureRate = 0;
      await vault?.close();
      await token?.cleanup();
    });

    it('with 20% of PKCS#11 calls failing, retried import/decrypt/destroy converge and leave no orphaned objects', async () => {
      const keys = Array.from({ length: 6 }, (_, i) => ({
        handle: `fault_${i}_${randomBytes(4).toString('hex')}`,
        ...generateKeyPairSync('rsa', { modulusLength: 2048 }),
      }));
      const hash = vault.oaepHashes[0]!;
      const wrongAnswers: string[] = [];

      // Three lifecycles at a time, as activations of several tenants would run.
      const lifecycle = async ({ handle, publicKey, privateKey }: (typeof keys)[number]) => {
        await retried(() => vault.importPrivateKey(handle, privateKey), failures);
        await retried(() => vault.importPrivateKey(handle, privateKey), failures); // a replayed step
        for (let i = 0; i < 3; i++) {
          const secret = randomBytes(32);
          const ciphertext = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, secret);
          const plain = await retried(() => vault.decryptWithPrivateKey(handle, ciphertext, hash), failures);
          if (!plain.equals(secret)) wrongAnswers.push(handle);
        }
        const dek = randomBytes(32);
        const wrapped = await retried(() => wrapDekWithProviderKey(vault, dek, `env_${handle}`), failures);
        if (!(await retried(() => unwrapDek(vault, wrapped, `env_${handle}`), failures)).equals(dek)) wrongAnswers.push(`dek ${handle}`);
        await retried(() => vault.destroyPrivateKey(handle), failures);
        // A "no" must be true: after a destroy that reported success, nothing is left.
        expect(await retried(() => vault.hasPrivateKey(handle), failures)).toBe(false);
      };
      for (let i = 0; i < keys.length; i += 3) await Promise.all(keys.slice(i, i + 3).map(lifecycle));

      expect(wrongAnswers).toEqual([]);
      expect(faulty.faults.length).toBeGreaterThan(20);
      expect(faulty.faults.some((f) => f.when === 'after')).toBe(true);
      expect(failures.count).toBeGreaterThan(10);

      faulty.failureRate = 0;
      const objects = listTokenObjects(token);
      const handles = new Set(keys.map((k) => Buffer.from(k.handle).toString('hex')));
      expect(objects.filter((o) => handles.has(o.id))).toEqual([]);
      // Only the provider key and the audit key are left: no tenant key, no half-made object, no second provider key.
      expect(objects.map((o) => `${o.class}:${o.label}`).sort()).toEqual(['secret:keyward-provider-key', 'secret:keyward-provider-key-audit']);
      expect(`hsm-${objects.find((o) => o.label === 'keyward-provider-key')!.id}`).toBe(vault.providerKeyId());
    });

    it('keeps working with a healthy token after the storm', async () => {
      faulty.failureRate = 0;
      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const hash = vault.oaepHashes[0]!;
      await vault.importPrivateKey('after_storm', privateKey);
      const secret = randomBytes(32);
      const ciphertext = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, secret);
      expect((await vault.decryptWithPrivateKey('after_storm', ciphertext, hash)).equals(secret)).toBe(true);
      await vault.destroyPrivateKey('after_storm');
    });
  });
}
