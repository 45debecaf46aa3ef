import { afterAll, describe } from 'vitest';
import { startInProcess, type InProcessCluster } from '../support/in-process.js';
import { createSoftHsmToken, requireSoftHsm, type SoftHsmToken } from '../support/softhsm.js';
import { lockLeavesNoKey } from './lock-leaves-no-key.js';

const clusters: InProcessCluster[] = [];
const tokens: SoftHsmToken[] = [];
afterAll(async () => {
  for (const c of clusters) await c.close();
  for (const t of tokens) await t.cleanup();
});
const env = { KEYWARD_OPERATION_MAX_ATTEMPTS: '2' };

describe('a lock leaves no key behind (software vault)', () => {
  lockLeavesNoKey(async () => {
    const cluster = await startInProcess({ store: 'sqlite', env });
    clusters.push(cluster);
    return { cluster, token: undefined };
  });
});

if (requireSoftHsm('a lock leaves no key behind (PKCS#11 vault on SoftHSM2)')) {
  describe('a lock leaves no key behind (PKCS#11 vault on SoftHSM2, listed by pkcs11-tool)', () => {
    lockLeavesNoKey(async () => {
      const token = await createSoftHsmToken();
      tokens.push(token);
      const cluster = await startInProcess({ store: 'sqlite', env: { ...env, ...token.env } });
      clusters.push(cluster);
      return { cluster, token };
    });
  });
}
