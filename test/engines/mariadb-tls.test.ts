import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngineKeyServer, type EngineKeyServer } from '../support/engine-key-server.js';
import { createMariaDb, requireMariaDb, type MariaDb } from '../support/mariadb.js';

const SUITE = 'the engine key service over TLS, as hashicorp-key-management-vault-ca expects';

/** A throwaway CA and a certificate for 127.0.0.1 it signed, made by the openssl command line. */
function certificates(dir: string): { caFile: string; key: string; cert: string } {
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', at('ca.key'), '-out', at('ca.pem'), '-days', '2', '-subj', '/CN=Keyward test CA');
  openssl('req', ...ec, '-keyout', at('server.key'), '-out', at('server.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(at('san.cnf'), 'subjectAltName = IP:127.0.0.1\n');
  openssl(
    'x509',
    '-req',
    '-in',
    at('server.csr'),
    '-CA',
    at('ca.pem'),
    '-CAkey',
    at('ca.key'),
    '-CAcreateserial',
    '-out',
    at('server.pem'),
    '-days',
    '2',
    '-extfile',
    at('san.cnf'),
  );
  return { caFile: at('ca.pem'), key: readFileSync(at('server.key'), 'utf8'), cert: readFileSync(at('server.pem'), 'utf8') };
}

if (requireMariaDb(SUITE)) {
  describe(SUITE, () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyward-tls-'));
    let keyServer: EngineKeyServer;
    let server: MariaDb | undefined;
    let caFile: string;
    beforeAll(async () => {
      const made = certificates(dir);
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
