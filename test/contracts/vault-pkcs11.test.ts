import { afterAll } from 'vitest';
import { Pkcs11Vault } from '../../src/adapters/vault/pkcs11/pkcs11-vault.js';
import { createSoftHsmToken, requireSoftHsm, type SoftHsmToken } from '../support/softhsm.js';
import { vaultContract } from './vault.contract.js';

// The same contract as the software vault, on a SoftHSM2 token made for this run. Every vault
// the suite makes shares that one token (as server instances share one HSM). Of the sealed-key
// store it passes, the vault uses only one setting: which provider key the deployment uses.
if (requireSoftHsm('vault contract: pkcs11 (SoftHSM2)')) {
  let token: Promise<SoftHsmToken> | undefined;
  const vaults: Pkcs11Vault[] = [];

  vaultContract('pkcs11 (SoftHSM2)', {
    async make(backing) {
      const { modulePath, tokenLabel, pin } = await (token ??= createSoftHsmToken());
      const vault = new Pkcs11Vault({ modulePath, tokenLabel, pin, sealedKeys: backing.settings });
      vaults.push(vault);
      await vault.init();
      return vault;
    },
  });

  afterAll(async () => {
    for (const vault of vaults) await vault.close();
    await (await token)?.cleanup();
  });
}
