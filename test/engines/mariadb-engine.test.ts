import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/adapters/clock/system-clock.js';
import { MariaDbEngineControl } from '../../src/adapters/engines/mariadb/mariadb-engine-control.js';
import { startEngineKeyServer, type EngineKeyServer } from '../support/engine-key-server.js';
import { createMariaDb, requireMariaDb, type MariaDb } from '../support/mariadb.js';

const SUITE = 'a real mariadbd keyed by the engine key service, driven by the engine control';

const control = new MariaDbEngineControl({ clock: systemClock });

if (requireMariaDb(SUITE)) {
  describe(SUITE, () => {
    let keyServer: EngineKeyServer;
    const servers: MariaDb[] = [];
    beforeAll(async () => {
      keyServer = await startEngineKeyServer();
    });
    afterAll(async () => {
      for (const s of servers) await s.destroy();
      await keyServer?.close();
    });

    /** A started, encrypted mariadbd for a new environment, with `rows` rows in app.notes. */
    async function engine(environmentId: string, options: { cacheVersionTimeoutMs?: number; rows?: number } = {}) {
      const { token } = keyServer.keys.add(environmentId);
      const keyService = { vaultUrl: keyServer.vaultUrl(environmentId), token, cacheVersionTimeoutMs: options.cacheVersionTimeoutMs };
      const server = await createMariaDb({ keyService });
      servers.push(server);
      await server.start();
      await server.untilEncrypted();
      await server.sql('CREATE DATABASE app', 'CREATE TABLE app.notes (id INT PRIMARY KEY, body VARCHAR(100)) ENGINE=InnoDB', [
        `INSERT INTO app.notes SELECT seq, CONCAT('row-', seq) FROM app.seq_1_to_${options.rows ?? 1000}`,
        [],
      ]);
      return { server, token, keyService };
    }

    const rowCount = async (server: MariaDb) => (await server.sql<Array<{ n: number }>>('SELECT COUNT(*) AS n FROM app.notes'))[0]?.n;
    const cleanExit = async (server: MariaDb) => {
      const exit = await server.exited();
      expect(exit).toEqual({ code: 0, signal: null });
      expect(server.log()).toContain('Shutdown complete');
      expect(server.log()).not.toMatch(/Assertion failure|got signal/);
    };

    it('stop() confirms the engine down and says how long it took; probe() says up, then down; a restart reads every row', async () => {
      const { server } = await engine('env_stop');
      const up = await control.probe(server.admin.url);
      expect(up).toMatchObject({ state: 'up', admin: 'ok' });
      expect(up.state === 'up' && up.serverVersion).toMatch(/MariaDB/);

      const stopped = await control.stop(server.admin.url);
      if (!stopped.ok) throw new Error(stopped.detail);
      expect(stopped.alreadyDown).toBe(false);
      expect(stopped.tookMs).toBe(stopped.confirmedDownAt.getTime() - stopped.startedAt.getTime());
      expect(stopped.tookMs).toBeGreaterThanOrEqual(0);
      expect(await control.probe(server.admin.url)).toEqual({ state: 'down' });
      await cleanExit(server);

      // Run twice (a lock step that is retried): already down, still ok.
      expect(await control.stop(server.admin.url)).toMatchObject({ ok: true, alreadyDown: true });
      expect(await control.minKeyVersionInUse(server.admin.url)).toMatchObject({ ok: false, reason: 'unreachable' });

      await server.start();
      expect(await rowCount(server)).toBe(1000);
      await server.terminate();
    });

    it('an account with SHUTDOWN alone can stop; without it, stop() fails loudly and the engine keeps running', async () => {
      const { server } = await engine('env_privileges');
      const weak = await server.createAccount('no_shutdown', ['PROCESS']);
      const refused = await control.stop(weak.url);
      expect(refused).toMatchObject({ ok: false, reason: 'not-permitted' });
      expect(!refused.ok && refused.detail).toMatch(/no_shutdown.*SHUTDOWN/);
      expect(await control.probe(weak.url)).toMatchObject({ state: 'up', admin: 'ok' });
      expect(await control.minKeyVersionInUse(weak.url)).toMatchObject({ ok: true });

      const wrongPassword = server.admin.url.replace(encodeURIComponent(server.admin.password), 'not-the-password');
      const denied = await control.stop(wrongPassword);
      expect(denied).toMatchObject({ ok: false, reason: 'auth-failed' });
      expect(JSON.stringify(denied)).not.toContain('not-the-password');
      expect(await control.probe(wrongPassword)).toEqual({ state: 'up', serverVersion: undefined, admin: 'refused' });
      const noProcess = await server.createAccount('shutdown_only', ['SHUTDOWN']);
      expect(await control.minKeyVersionInUse(noProcess.url)).toMatchObject({ ok: false, reason: 'not-permitted' });

      expect(await control.stop(noProcess.url)).toMatchObject({ ok: true, alreadyDown: false });
      await cleanExit(server);
    });

    it('refuses to start while key 1 is refused, or with another environment’s token, and starts once served again', async () => {
      const { server, keyService } = await engine('env_refused');
      await server.terminate();

      keyServer.keys.set('env_refused', { refusedKeyIds: [1] });
      const refused = await server.startExpectingFailure();
      expect(refused.code).not.toBe(0);
      expect(refused.log).toMatch(/hashicorp: Hashicorp server error: 403/);

      keyServer.keys.set('env_refused', { refusedKeyIds: [] });
      const other = keyServer.keys.add('env_other');
      server.reconfigure({ keyService: { ...keyService, token: other.token } });
      const foreign = await server.startExpectingFailure();
      expect(foreign.log).toMatch(/Unable to get storage options/);

      server.reconfigure({ keyService });
      await server.start();
      expect(await rowCount(server)).toBe(1000);
      await server.terminate();
    });

    it('stops cleanly while the key service drops connections: the engine asks, falls back to its cache (SPEC E5)', async () => {
      // Version lookups never cached: every page the shutdown flushes asks the key service.
      const { server } = await engine('env_drop', { cacheVersionTimeoutMs: 0 });
      const mark = keyServer.keys.events.length;
      keyServer.keys.set('env_drop', { mode: 'drop' });
      await server.sql(`UPDATE app.notes SET body = CONCAT(body, '-changed')`, `INSERT INTO app.notes SELECT seq, 'late' FROM app.seq_1001_to_3000`);
      const stopped = await control.stop(server.admin.url);
      expect(stopped).toMatchObject({ ok: true });
      await cleanExit(server);
      const dropped = keyServer.keys.eventsOf('env_drop', mark).filter((e) => e.answer === 'unavailable');
      expect(dropped.length).toBeGreaterThan(0);

      // With nothing cached, a start cannot get key 1: it refuses to start.
      expect((await server.startExpectingFailure()).log).toMatch(/curl returned this error code/);
      keyServer.keys.set('env_drop', { mode: 'serve' });
      await server.start();
      expect(await rowCount(server)).toBe(3000);
      await server.terminate();
    });

    it('aborts if the key service answers 403 while it shuts down, which is why Keyward never does to an entitled engine', async () => {
      const { server } = await engine('env_hazard', { cacheVersionTimeoutMs: 0 });
      keyServer.keys.set('env_hazard', { mode: 'refuse' });
      await server.sql(`UPDATE app.notes SET body = CONCAT(body, '-changed')`);
      await server.terminate();
      const exit = await server.exited();
      expect(exit.code === 0 && exit.signal === null).toBe(false);
      expect(server.log()).toMatch(/Assertion failure in file .*fil0crypt\.cc/);
    });

    it('serves ?version=: rotation re-encrypts old tablespaces, minKeyVersionInUse follows, the redo log keeps version 1', async () => {
      const { server } = await engine('env_rotate', { cacheVersionTimeoutMs: 0 });
      expect(await control.minKeyVersionInUse(server.admin.url)).toMatchObject({ ok: true, minKeyVersion: 1, unencrypted: 0 });

      // innodb_encryption_rotate_key_age = 1 re-encrypts what is more than one version behind.
      keyServer.keys.set('env_rotate', { latestVersion: 3 });
      let usage = await control.minKeyVersionInUse(server.admin.url);
      for (const deadline = Date.now() + 20_000; usage.ok && usage.minKeyVersion === 1 && Date.now() < deadline;) {
        await new Promise((r) => setTimeout(r, 200));
        usage = await control.minKeyVersionInUse(server.admin.url);
      }
      expect(usage).toMatchObject({ ok: true });
      expect(usage.ok && usage.minKeyVersion).toBeGreaterThanOrEqual(2);
      expect(usage.ok && usage.byKeyId.every((k) => k.keyId === 1 && k.rotating === 0)).toBe(true);

      await server.terminate();
      const mark = keyServer.keys.events.length;
      await server.start();
      expect(await rowCount(server)).toBe(1000);
      const asked = keyServer.keys.eventsOf('env_rotate', mark).filter((e) => e.answer === 'key');
      // The redo log was created under key 1 version 1 and asks for it at every start.
      expect(asked).toContainEqual({ environmentId: 'env_rotate', keyId: 1, version: 1, answer: 'key' });
      await server.terminate();
    });

    it('another tenant’s engine keeps serving while one is stopped', async () => {
      const a = await engine('env_tenant_a');
      const b = await engine('env_tenant_b');
      expect(await control.stop(a.server.admin.url)).toMatchObject({ ok: true });
      keyServer.keys.set('env_tenant_a', { mode: 'drop' });
      const marker = randomBytes(4).toString('hex');
      await b.server.sql([`INSERT INTO app.notes VALUES (5000, ?)`, [marker]]);
      expect(await rowCount(b.server)).toBe(1001);
      expect(await control.probe(b.server.admin.url)).toMatchObject({ state: 'up' });
      await b.server.terminate();
    });
  });
}
