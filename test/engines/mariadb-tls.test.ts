import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngineKeyServer, type EngineKeyServer } from '../support/engine-key-server.js';
import { createMariaDb, requireMariaDb, type MariaDb } from '../support/mariadb.js';
import { makeCertificates } from '../support/tls-certificates.js';

const SUITE = 'the engine key service over TLS, as hashicorp-key-management-vault-ca expects';

if (requireMariaDb(SUITE)) {
  describe(SUITE, () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyward-tls-'));
    let keyServer: EngineKeyServer;
    let server: MariaDb | undefined;
    let caFile: string;
    beforeAll(async () => {
      const made = makeCertificates(dir);
      caFile = made.caFile;
      keyServer = await startEngineKeyServer({ https: { key: made.key, cert: made.cert } });
    });
    afterAll(async () => {
      await server?.destroy();
      await keyServer?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('starts with keys fetched over https when it trusts the CA, and refuses to start when it does not', async () => {
      expect(keyServer.url).toMatch(/^https:/);
      const { token } = keyServer.keys.add('env_tls');
      const keyService = { vaultUrl: keyServer.vaultUrl('env_tls'), token, caFile };
      server = await createMariaDb({ keyService });
      await server.start();
      await server.untilEncrypted();
      await server.sql('CREATE DATABASE app', 'CREATE TABLE app.t (id INT PRIMARY KEY) ENGINE=InnoDB', 'INSERT INTO app.t VALUES (1), (2)');
      expect(keyServer.keys.eventsOf('env_tls').filter((e) => e.answer === 'key').length).toBeGreaterThan(0);
      await server.terminate();

      server.reconfigure({ keyService: { ...keyService, caFile: undefined } });
      const untrusted = await server.startExpectingFailure();
      expect(untrusted.log).toMatch(/curl returned this error code: 60|SSL certificate problem/);

      server.reconfigure({ keyService });
      await server.start();
      expect(await server.sql('SELECT COUNT(*) AS n FROM app.t')).toEqual([{ n: 2 }]);
      await server.terminate();
    });
  });
}
