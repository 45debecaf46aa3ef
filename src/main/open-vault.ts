import { MasterKeyFile } from '../adapters/vault/master-key.js';
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
  const vault = new SoftwareVault(new MasterKeyFile(config.masterKeyFile.path, config.masterKeyFile.mayCreate), store.vaultObjects, () =>
    randomIds.next('pk'),
  );
  await vault.init();
  if (config.masterKeyFile.mayCreate) {
    warnings.push(
      `The master key is kept in the data dir (${config.masterKeyFile.path}): any copy of the data dir holds everything the software vault protects. Keep it elsewhere (KEYWARD_MASTER_KEY_FILE) or use an HSM (KEYWARD_VAULT=pkcs11).`,
    );
  }
  return vault;
}
