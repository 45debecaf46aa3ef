import { execFileSync } from 'node:child_process';
import { describe, it } from 'vitest';
import { createSoftHsmToken, requireSoftHsm } from '../support/softhsm.js';
import { faultPointCrashes } from './fault-point-crashes.js';

// The PKCS#11 vault on SoftHSM2, on the steps that put keys into the token or take them out; the
// token is listed by OpenSC's pkcs11-tool after every step.
const SUITE = 'kill -9 at every step boundary (PKCS#11 vault on SoftHSM2)';
const hasPkcs11Tool = (() => {
  try {
    execFileSync('pkcs11-tool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    // pkcs11-tool --version exits 1 but runs; only a missing binary throws ENOENT.
    return (error as { code?: string }).code !== 'ENOENT';
  }
})();
if (!hasPkcs11Tool) {
  if (process.env.CI)
    describe(SUITE, () =>
      it('needs OpenSC', () => {
        throw new Error('pkcs11-tool is required in CI: apt-get install opensc');
      }),
    );
  else describe.skip(`${SUITE} (pkcs11-tool missing: apt-get install opensc)`, () => undefined);
} else if (requireSoftHsm(SUITE)) {
  // One apply (protection.after-pending-dek) so that the second key's activation has an
  // environment to rewrap, and so reaches its batch boundary.
  faultPointCrashes('PKCS#11 vault on SoftHSM2', () => createSoftHsmToken(), [
    'key-custody',
    'exchange-key',
    'protection.after-pending-dek',
    'activate',
    'lock',
    'unlock-key',
  ]);
}
