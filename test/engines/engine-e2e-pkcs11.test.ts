import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireMariaDb, type MariaDb } from '../support/mariadb.js';
import { client, startServer, type TestServer } from '../support/server.js';
import { createSoftHsmToken, requireSoftHsm, type SoftHsmToken } from '../support/softhsm.js';
import { makeCertificates, type TestCertificates } from '../support/tls-certificates.js';
import { playEngineStory } from './engine-story.js';

/**
 * The engine story (engine-story.ts) with every key in a PKCS#11 token (SoftHSM2: the provider
 * key that seals the admin passwords and wraps the DEK at first, the tenant keys that unwrap it
 * inside the token afterwards), and Keyward serving HTTPS (KEYWARD_TLS_CERT_FILE/KEY_FILE):
 * MariaDB fetches its keys over TLS, trusting the CA through hashicorp-key-management-vault-ca.
 */
const SUITE = 'MariaDB keyed by Keyward over HTTPS, keys in a PKCS#11 token (SoftHSM2)';

if (requireMariaDb(SUITE) && requireSoftHsm(SUITE)) {
  describe(SUITE, () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyward-engines-tls-'));
    let token: SoftHsmToken;
    let certs: TestCertificates;
    let server: TestServer;
    const engines: MariaDb[] = [];
    beforeAll(async () => {
      token = await createSoftHsmToken();
      certs = makeCertificates(dir);
      server = await startServer(
        { ...token.env, KEYWARD_PFX_ITERATIONS: '2048', KEYWARD_TLS_CERT_FILE: certs.certFile, KEYWARD_TLS_KEY_FILE: certs.keyFile },
        { ca: certs.ca },
      );
    }, 60_000);
    afterAll(async () => {
      for (const engine of engines) await engine.destroy();
      await server?.stop();
      await token?.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    it('plays the engine story over HTTPS with the PKCS#11 vault', { timeout: 240_000 }, async () => {
      expect(server.url).toMatch(/^https:/);
      const timings: Record<string, number> = {};
      await playEngineStory({
        api: client(server.url, { ca: certs.ca }),
        operatorToken: server.operatorToken,
        tls: { caFile: certs.caFile, ca: certs.ca },
        track: (e) => engines.push(e),
        timings,
      });
      console.log(`engine story (PKCS#11, HTTPS): ${JSON.stringify(timings)}`);
      expect(server.output()).not.toContain(token.pin);
    });
  });
}
