import { loadOrCreateMasterKey } from '../adapters/vault/master-key.js';
import { SoftwareVault } from '../adapters/vault/software-vault.js';
import { createPkcs11Vault } from '../adapters/vault/pkcs11/pkcs11-vault.js';
import { randomIds } from '../adapters/random-ids.js';
import type { Store } from '../ports/store.js';
import type { Vault } from '../ports/vault.js';
import type { Config } from './config.js';

/**
 * The vault the config names, initialised (provider key loaded or made). The software vault's
 * master key is only read when it is the one in use: with an HSM, no key file is made.
 */
export async function openVault(config: Config, store: Store, warnings: string[]): Promise<Vault> {
  if (config.vault.kind === 'pkcs11') {
    // The store records which provider key in the token is in use, so instances agree on one.
    const hsm = createPkcs11Vault({ ...config.vault, sealedKeys: store.settings });
    await hsm.init();
    return hsm;
  }
  const master = loadOrCreateMasterKey(config.masterKeyFile.path, config.masterKeyFile.mayCreate);
  if (master.warning) warnings.push(master.warning);
  const vault = new SoftwareVault(master.key, store.vaultObjects, () => randomIds.next('pk'));
  master.key.fill(0);
  await vault.init();
  return vault;
}
