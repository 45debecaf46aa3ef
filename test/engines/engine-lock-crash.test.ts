import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { advance, expectStatus, expectSucceeded, HOUR, waitForOperation } from '../support/api.js';
import { createMariaDb, requireMariaDb, type MariaDb } from '../support/mariadb.js';
import { client, freePort, startServer, type TestServer } from '../support/server.js';

/**
 * A lock killed (SIGKILL, at the fault point `lock.after-engine-stop`) right after it recorded
 * the first engine confirmed down, before any key was destroyed; the server restarted on the same
 * data and port. The restarted server refuses that engine's keys from the first request (the
 * stop is recorded), takes the lock over, stops the second engine if the first run had not,
 * reports both, and destroys the keys: neither engine starts again.
 */
const SUITE = 'a lock of engines killed mid-way and taken over after a restart';
const PASSWORD = 'password-crash-1';

if (requireMariaDb(SUITE)) {
  describe(SUITE, () => {
    const engines: MariaDb[] = [];
    let server: TestServer | undefined;
    afterAll(async () => {
      for (const engine of engines) await engine.destroy();
      await server?.stop();
    });

    it('finishes the lock once, reporting every engine, and no engine restarts', { timeout: 180_000 }, async () => {
      const env = {
        KEYWARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'keyward-engine-crash-')),
        KEYWARD_PORT: String(await freePort()),
        KEYWARD_OPERATOR_TOKEN: 'op_engine_crash_token_0001',
        KEYWARD_OPERATION_LEASE_MS: '1500',
        KEYWARD_PFX_ITERATIONS: '2048',
      };
      server = await startServer({ ...env, KEYWARD_TEST_KILL_AT: 'lock.after-engine-stop' });
      const api = client(server.url);
      const op = env.KEYWARD_OPERATOR_TOKEN;
      const tenant = expectStatus(
        await api('POST', '/v1/tenants', { token: op, body: { name: 'Crash', licensedSeats: 2000, regions: ['eu'], cmkOptIn: true } }),
        201,
      ).body;
      expectStatus(await api('POST', `/v1/tenants/${tenant.id}/cmk`, { token: op, body: { enabled: true } }), 200);
      const admin = expectStatus(
        await api('POST', `/v1/tenants/${tenant.id}/users`, { token: op, body: { email: 'a@crash.example', roles: [{ role: 'global-admin' }] } }),
        201,
      ).body.token as string;
      const key = expectStatus(
        await api('POST', `/v1/tenants/${tenant.id}/keys/generate`, {
          token: admin,
          body: { region: 'eu', name: 'K', password: PASSWORD, acknowledgeRisk: true },
        }),
        201,
      ).body;
      await expectSucceeded(api, admin, { status: 202, body: { operation: key.operation }, headers: new Headers() });

      const envIds: string[] = [];
      for (const name of ['One', 'Two']) {
        const engine = await createMariaDb();
        engines.push(engine);
        const created = expectStatus(
          await api('POST', `/v1/tenants/${tenant.id}/environments`, {
            token: admin,
            body: { name, region: 'eu', type: 'sandbox', engine: { kind: 'mariadb', adminUrl: engine.admin.url } },
          }),
          201,
        ).body;
        const { vaultUrl, token } = expectStatus(
          await api('POST', `/v1/environments/${created.id}/engine/token`, { token: admin, body: {} }),
          201,
        ).body;
        engine.reconfigure({ keyService: { vaultUrl, token } });
        await engine.start();
        await engine.sql(
          'CREATE DATABASE app',
          'CREATE TABLE app.t (id INT PRIMARY KEY) ENGINE=InnoDB',
          'INSERT INTO app.t SELECT seq FROM app.seq_1_to_100',
        );
        await expectSucceeded(
          api,
          admin,
          await api('POST', `/v1/environments/${created.id}/encryption/apply-tenant-key`, { token: admin, body: { acknowledgeDowntime: true } }),
        );
        envIds.push(created.id);
      }

      await advance(api, op, 73 * HOUR);
      const challenge = expectStatus(await api('GET', `/v1/tenants/${tenant.id}/lock-challenge?region=eu`, { token: admin }), 200).body.text;
      const lock = expectStatus(
        await api('POST', `/v1/tenants/${tenant.id}/lock`, {
          token: admin,
          body: { region: 'eu', file: key.pfx, password: PASSWORD, confirmation: challenge },
        }),
        202,
      ).body.operation;
      expect(await server.stop('SIGCONT')).toBe(null); // it killed itself at the fault point
      expect(server.output()).not.toContain('Shutdown complete');

      server = await startServer(env);
      const restarted = client(server.url);
      const finished = await waitForOperation(restarted, admin, lock.id, 90_000);
      expect(finished.status, JSON.stringify(finished)).toBe('succeeded');
      expect(finished.result.environments.map((e: { id: string }) => e.id)).toEqual([...envIds].sort());
      for (const e of finished.result.environments) expect(e.inaccessibleAfterMs).toBeGreaterThanOrEqual(0);
      for (const engine of engines) {
        expect(await engine.exited()).toEqual({ code: 0, signal: null });
        expect(engine.log()).not.toMatch(/Assertion failure|got signal/);
        expect((await engine.startExpectingFailure()).code).not.toBe(0);
      }
      const keys = expectStatus(await restarted('GET', `/v1/tenants/${tenant.id}/keys`, { token: admin }), 200).body.items;
      expect(keys.map((k: { state: string }) => k.state)).toEqual(['Locked']);
      const audit = expectStatus(await restarted('GET', `/v1/tenants/${tenant.id}/audit`, { token: admin }), 200).body.items;
      expect(audit.filter((e: { action: string; outcome: string }) => e.action === 'tenant.lock' && e.outcome === 'succeeded')).toHaveLength(1);
    });
  });
}
