import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SoftwareVault } from '../../src/adapters/vault/software-vault.js';
import { loadOrCreateMasterKey } from '../../src/adapters/vault/master-key.js';
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

  it('refuses a malformed or missing configured master key file, saying what to do', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-mk-'));
    expect(() => loadOrCreateMasterKey(join(dir, 'absent.key'), false)).toThrow(/does not exist/);
    writeFileSync(join(dir, 'short.key'), 'abcd');
    expect(() => loadOrCreateMasterKey(join(dir, 'short.key'), false)).toThrow(/64 hex characters/);
  });

  it('refuses to start with a different master key than the data was made with', async () => {
    const shared = memoryBacking().objects;
    await new SoftwareVault(randomBytes(32), shared, () => 'pk_1').init();
    await expect(new SoftwareVault(randomBytes(32), shared, () => 'pk_2').init()).rejects.toThrow(/KEYWARD_MASTER_KEY_FILE/);
  });
});
