import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SoftwareVault } from '../../src/adapters/vault/software-vault.js';
import { unwrapDek } from '../../src/crypto/envelope.js';
import { openEngineSecret, sealEngineSecret } from '../../src/crypto/engine-secret.js';
import { memoryVaultObjects } from '../support/memory-vault-objects.js';

describe('sealed engine admin passwords', () => {
  it('open for their environment only, and never as a DEK', async () => {
    const vault = new SoftwareVault(randomBytes(32), memoryVaultObjects(), () => 'pk_test');
    await vault.init();
    const sealed = await sealEngineSecret(vault, 'pässwörd:/@1', 'env_a');
    expect(sealed).toMatch(/^kw1:pk_test:A256GCM:/);
    expect(sealed).not.toContain('pässwörd');
    expect(await openEngineSecret(vault, sealed, 'env_a')).toBe('pässwörd:/@1');
    await expect(openEngineSecret(vault, sealed, 'env_b')).rejects.toThrow();
    await expect(unwrapDek(vault, sealed, 'env_a')).rejects.toThrow();
  });
});
