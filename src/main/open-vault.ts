import { loadOrCreateMasterKey } from '../adapters/vault/master-key.js';
import { SoftwareVault } from '../adapters/vault/software-vault.js';
import { randomIds } from '../adapters/random-ids.js';
import type { Store } from '../ports/store.js';
import type { Vault } from '../ports/vault.js';
import type { Config } from './config.js';

/** The vault the config names, initialised (provider key loaded or made). */
export async function openVault(config: Config, store: Store, warnings: string[]): Promise<Vault> {
  const master = loadOrCreateMasterKey(config.masterKeyFile.path, config.masterKeyFile.mayCreate);
  if (master.warning) warnings.push(master.warning);
  const vault = new SoftwareVault(master.key, store.settings, () => randomIds.next('pk'));
  master.key.fill(0);
  await vault.init();
  return vault;
}
