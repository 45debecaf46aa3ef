import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterAll, describe, expect, it } from 'vitest';
import { client, startServer, type TestServer } from '../support/server.js';
import { advance, expectStatus, HOUR, waitForOperation, type Call } from '../support/api.js';

/**
 * Crash safety of a key activation: 1,000 tenant-key environments, the server killed with
 * SIGKILL at random moments while the activation runs (at least 20 times, across as many
 * activations as it takes), restarted on the same data each time. Afterwards every operation
 * succeeded, every environment reads back its row under the last key, and running the
 * finished activation again rewraps nothing.
 */
const ENVIRONMENTS = Number(process.env.CRASH_ENVS ?? 1000);
const KILLS = 20;
const dataDir = mkdtempSync(join(tmpdir(), 'keyward-crash-'));
const operatorToken = 'op_crash_test_token_0001';
const serverEnv = {
  KEYWARD_DATA_DIR: dataDir,
  KEYWARD_OPERATOR_TOKEN: operatorToken,
  // A short lease, so a restarted server takes over the killed one's operation quickly.
  KEYWARD_OPERATION_LEASE_MS: '1500',
  KEYWARD_PFX_ITERATIONS: '2048',
  KEYWARD_LOG_LEVEL: 'error',
  // Making 1000 environments and polling their activations from one address is a bulk job, not
  // the edge's business: the per-address ceiling (6000 a minute) is off for it.
  KEYWARD_RATE_LIMIT_PER_MINUTE: '0',
};
let server: TestServer;
let api: Call;

async function start(): Promise<void> {
  server = await startServer(serverEnv);
  api = client(server.url);
}
afterAll(async () => {
  await server?.stop();
});

/** Runs `work` over `items` with a few requests in flight at once. */
async function inParallel<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

function wrappedDeks(): Map<string, string> {
  const db = new Database(join(dataDir, 'keyward.db'), { readonly: true });
  try {
    const rows = db.prepare("select id, wrapped_dek from environments where encryption_mode = 'tenant'").all() as {
      id: string;
      wrapped_dek: string;
    }[];
    return new Map(rows.map((r) => [r.id, r.wrapped_dek]));
  } finally {
    db.close();
  }
}

function operationStatus(id: string): string {
  const db = new Database(join(dataDir, 'keyward.db'), { readonly: true });
  try {
    return (db.prepare('select status from operations where id = ?').get(id) as { status: string }).status;
  } finally {
    db.close();
  }
}

describe('an activation survives SIGKILL at any moment', () => {
  it(`${KILLS}+ kills during activations of ${ENVIRONMENTS} environments`, { timeout: 900_000 }, async () => {
    await start();
    const tenant = expectStatus(
      await api('POST', '/v1/tenants', { token: operatorToken, body: { name: 'Crashy', licensedSeats: 5000, regions: ['eu'], cmkOptIn: true } }),
      201,
    ).body;
    expectStatus(await api('POST', `/v1/tenants/${tenant.id}/cmk`, { token: operatorToken, body: { enabled: true } }), 200);
    const admin = expectStatus(
      await api('POST', `/v1/tenants/${tenant.id}/users`, {
        token: operatorToken,
        body: { email: 'a@crashy.example', roles: [{ role: 'global-admin' }] },
      }),
      201,
    ).body.token;
    const T = `/v1/tenants/${tenant.id}`;
    const generateAndActivate = async (name: string) => {
      const made = expectStatus(
        await api('POST', `${T}/keys/generate`, { token: admin, body: { region: 'eu', name, password: 'password-1', acknowledgeRisk: true } }),
        201,
      ).body;
      return made;
    };
    const first = await generateAndActivate('K0');
    expect((await waitForOperation(api, admin, first.operation.id)).status).toBe('succeeded');

    const envIds: string[] = [];
    await inParallel(
      Array.from({ length: ENVIRONMENTS }, (_, i) => i),
      6,
      async (i) => {
        const env = expectStatus(
          await api('POST', `${T}/environments`, { token: admin, body: { name: `E${i}`, region: 'eu', type: 'sandbox' } }),
          201,
        ).body;
        expectStatus(
          await api('POST', `/v1/environments/${env.id}/tables`, { token: admin, body: { name: 't', columns: [{ name: 'v', type: 'text' }] } }),
          201,
        );
        expectStatus(await api('POST', `/v1/environments/${env.id}/tables/t/rows`, { token: admin, body: { v: `value of ${env.id}` } }), 201);
        const applied = expectStatus(
          await api('POST', `/v1/environments/${env.id}/encryption/apply-tenant-key`, { token: admin, body: { acknowledgeDowntime: true } }),
          202,
        ).body;
        expect((await waitForOperation(api, admin, applied.operation.id, 300_000)).status).toBe('succeeded');
        envIds.push(env.id);
      },
    );

    const activate = async (round: number) => {
      const next = await generateAndActivate(`Key ${round}`);
      await advance(api, operatorToken, 25 * HOUR);
      const operation = expectStatus(await api('POST', `${T}/keys/${next.key.id}/activate`, { token: admin, body: { acknowledgeRisk: true } }), 202)
        .body.operation;
      return { keyId: next.key.id as string, operationId: operation.id as string };
    };

    // How long an undisturbed activation takes here: kill moments are drawn within it, so they
    // land mid-activation on a fast machine as on a slow one.
    const calibration = await activate(0);
    const calibrationStart = performance.now();
    expect((await waitForOperation(api, admin, calibration.operationId)).status).toBe('succeeded');
    const duration = performance.now() - calibrationStart;

    let kills = 0;
    let rounds = 0;
    let lastKeyId = calibration.keyId;
    let lastActivation = calibration.operationId;
    for (let round = 1; kills < KILLS; round++) {
      rounds = round;
      expect(round, 'activations finish before any kill lands').toBeLessThan(60);
      const { keyId, operationId } = await activate(round);
      lastActivation = operationId;
      lastKeyId = keyId;
      // The first kill within the activation's usual duration; later ones within the time a
      // restarted server takes to claim it again (at most a poll) plus that duration. They land
      // anywhere: before the claim, mid-batch, mid-commit, or at the very end.
      let delay = Math.random() * duration * 0.9;
      for (;;) {
        await new Promise((r) => setTimeout(r, delay));
        await server.stop('SIGKILL');
        // Read while no server runs: did the kill land before the activation finished?
        if (operationStatus(operationId) === 'running') kills++;
        await start();
        const op = (await api('GET', `/v1/operations/${operationId}`, { token: admin })).body;
        if (op.status !== 'running') {
          expect(op.status, JSON.stringify(op)).toBe('succeeded');
          break;
        }
        delay = Math.random() * (1000 + duration);
      }
    }
    expect(kills).toBeGreaterThanOrEqual(KILLS);
    console.log(
      `crash test: ${kills} kills landed during ${rounds} activations of ${ENVIRONMENTS} environments (one takes ${duration.toFixed(0)} ms undisturbed)`,
    );

    // Every environment reads back its row, under the last key.
    await inParallel(envIds, 6, async (id) => {
      const env = expectStatus(await api('GET', `/v1/environments/${id}`, { token: admin }), 200).body;
      expect(env.encryption).toEqual({ mode: 'tenant', keyId: lastKeyId, status: 'ready' });
      const rows = expectStatus(await api('GET', `/v1/environments/${id}/tables/t/rows`, { token: admin }), 200).body.items;
      expect(rows.map((r: { v: string }) => r.v)).toEqual([`value of ${id}`]);
    });

    // Running the finished activation again rewraps nothing.
    await server.stop();
    const before = wrappedDeks();
    expect(before.size).toBe(ENVIRONMENTS);
    const db = new Database(join(dataDir, 'keyward.db'));
    db.prepare("update operations set status = 'running', finished_at = null, lease_owner = null, lease_until = null, attempts = 0 where id = ?").run(
      lastActivation,
    );
    db.close();
    await start();
    expect((await waitForOperation(api, admin, lastActivation)).status).toBe('succeeded');
    await server.stop();
    expect(wrappedDeks()).toEqual(before);
  });
});
