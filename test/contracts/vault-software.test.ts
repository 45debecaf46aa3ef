import { constants, createSecretKey, generateKeyPairSync, publicEncrypt, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SoftwareVault } from '../../src/adapters/vault/software-vault.js';
import { loadOrCreateMasterKey, MasterKeyFile, masterKeyFingerprint } from '../../src/adapters/vault/master-key.js';
import { openObject, sealObject } from '../../src/adapters/vault/sealed-objects.js';
import { unwrapDek, wrapDekWithProviderKey } from '../../src/crypto/envelope.js';
import { randomIds } from '../../src/adapters/random-ids.js';
import { memoryBacking, vaultContract } from './vault.contract.js';

const master = randomBytes(32);
vaultContract('software', {
  async make(backing) {
    const vault = new SoftwareVault(Buffer.from(master), backing.objects, () => randomIds.next('pk'));
    await vault.init();
    return vault;
  },
});

describe('software vault specifics', () => {
  it('makes the master key at first start with mode 0600 and reads it back', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kw-mk-')), 'master.key');
    const made = loadOrCreateMasterKey(file, true);
    expect(made.created).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateMasterKey(file, true).key.equals(made.key)).toBe(true);
    expect(readFileSync(file, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a malformed, missing or group-readable master key file, saying what to do', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-mk-'));
    expect(() => loadOrCreateMasterKey(join(dir, 'absent.key'), false)).toThrow(/does not exist/);
    writeFileSync(join(dir, 'short.key'), 'abcd', { mode: 0o600 });
    expect(() => loadOrCreateMasterKey(join(dir, 'short.key'), false)).toThrow(/64 hex characters/);
    writeFileSync(join(dir, 'open.key'), `${randomBytes(32).toString('hex')}\n`, { mode: 0o644 });
    expect(() => loadOrCreateMasterKey(join(dir, 'open.key'), false)).toThrow(/readable by group or others.*chmod 600/);
  });

  it('rotates the master key: everything re-sealed, the old key opens nothing, other instances follow', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-rotate-'));
    const file = join(dir, 'master.key');
    const objects = memoryBacking().objects;
    const a = new SoftwareVault(new MasterKeyFile(file, true), objects, () => 'pk_1');
    await a.init();
    const b = new SoftwareVault(new MasterKeyFile(file, false), objects, () => 'pk_2');
    await b.init();
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await a.importPrivateKey('key_1', privateKey);
    const ciphertext = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from('secret'));
    const wrapped = await wrapDekWithProviderKey(a, randomBytes(32), 'env_1');
    const mac = await a.auditMac(Buffer.from('entry'));
    const oldKey = readFileSync(file, 'utf8');

    expect(await a.rotateMasterKey()).toMatchObject({ rotated: true });
    expect(readFileSync(file, 'utf8')).not.toBe(oldKey);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // The old key opens nothing any more; the data keys, the audit key and the tenant key are the same.
    const old = new SoftwareVault(Buffer.from(oldKey.trim(), 'hex'), objects, () => 'pk_3');
    await expect(old.init()).rejects.toThrow(/master key/);
    expect((await a.decryptWithPrivateKey('key_1', ciphertext, 'sha256')).toString()).toBe('secret');
    expect(await unwrapDek(a, wrapped, 'env_1')).toHaveLength(32);
    expect((await a.auditMac(Buffer.from('entry'))).equals(mac)).toBe(true);
    // The instance that did not rotate learns it at its next use and reads the new key file.
    expect((await b.decryptWithPrivateKey('key_1', ciphertext, 'sha256')).toString()).toBe('secret');
    await b.importPrivateKey('key_2', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    expect(await a.hasPrivateKey('key_2')).toBe(true);
  });

  it('finishes a rotation that crashed after its re-seal committed, and discards one that crashed before', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-rotate-crash-'));
    const file = join(dir, 'master.key');
    const objects = memoryBacking().objects;
    const first = new SoftwareVault(new MasterKeyFile(file, true), objects, () => 'pk_1');
    await first.init();
    const keyFile = new MasterKeyFile(file, false);
    // Crashed before the re-seal: a staged key that sealed nothing is discarded at the next start.
    keyFile.stage(randomBytes(32));
    await new SoftwareVault(new MasterKeyFile(file, false), objects, () => 'pk_2').init();
    expect(keyFile.stagedFiles()).toEqual([]);
    // Crashed after the re-seal committed, before the file was replaced: the next start finishes it.
    const next = randomBytes(32);
    const staged = keyFile.stage(Buffer.from(next));
    const current = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
    expect(
      await objects.resealAll(masterKeyFingerprint(current), masterKeyFingerprint(next), (o) =>
        sealObject(createSecretKey(next), o, openObject(createSecretKey(current), o)),
      ),
    ).toBe(true);
    const after = new SoftwareVault(new MasterKeyFile(file, false), objects, () => 'pk_3');
    await after.init();
    expect(keyFile.stagedFiles()).toEqual([]);
    expect(readFileSync(file, 'utf8').trim()).toBe(next.toString('hex'));
    void staged;
  });

  it('refuses to start with a different master key than the data was made with', async () => {
    const shared = memoryBacking().objects;
    await new SoftwareVault(randomBytes(32), shared, () => 'pk_1').init();
    await expect(new SoftwareVault(randomBytes(32), shared, () => 'pk_2').init()).rejects.toThrow(/KEYWARD_MASTER_KEY_FILE/);
  });
});
