// The engine key service and the lock of engines, on Keyward's real server (a child process, as
// `npm start` runs it: SQLite control store, software vault), against baselines measured in the
// same run:
//
// 1. Key fetches (GET /v1/keyward/<env>/data/1 with the engine's token: one row read, the token
//    hash compared, the DEK (tenant-key protected) from the key service's cache, HKDF, JSON)
//    against GET /healthz on the same server (one row read of the store):
//    - latency, one request at a time on a fresh connection each (as MariaDB's plugin does: a new
//      curl handle per fetch), p50 and p99, ratio of p50s;
//    - requests/s with 16 in flight over kept-alive connections (the server's capacity), ratio.
//    Also the first fetch after a restart, which unwraps the DEK in the vault (RSA-OAEP).
//    Rounds are interleaved; medians over rounds are printed.
// 2. A real lock of one region with 10 engine environments, each its own mariadbd keyed by that
//    server, under the tenant key, 2000 rows written just before: the lock's own report, from the
//    lock's start to each engine confirmed down (`inaccessibleAfterMs`), and the whole operation,
//    against the time the same engines take from SIGTERM (sent by pid) to process exit.
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { advance, expectStatus, HOUR, waitForOperation, type Call } from '../test/support/api.js';
import { createMariaDb, MARIADB_INSTALL_HINT, mariaDbStatus, type MariaDb } from '../test/support/mariadb.js';
import { client, freePort, startServer, type TestServer } from '../test/support/server.js';

const ROUNDS = 7;
const LATENCY_SLICE = 200;
const THROUGHPUT_SLICE = 2_000;
const IN_FLIGHT = 16;
const ENGINES = 10;
const PASSWORD = 'bench-password-1';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;

function get(url: URL, headers: Record<string, string>, agent: Agent | false): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent }, (res) => {
      res.resume();
      res.once('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.once('error', reject);
    req.end();
  });
}

interface Subject {
  name: string;
  url: URL;
  headers: Record<string, string>;
  p50: number[];
  p99: number[];
  rates: number[];
}

async function latencySlice(s: Subject): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < LATENCY_SLICE; i++) {
    const start = performance.now();
    await get(s.url, s.headers, false);
    times.push(performance.now() - start);
  }
  s.p50.push(percentile(times, 0.5));
  s.p99.push(percentile(times, 0.99));
}

async function throughputSlice(s: Subject, agent: Agent): Promise<void> {
  let next = 0;
  const start = performance.now();
  const worker = async () => {
    while (next < THROUGHPUT_SLICE) {
      next += 1;
      await get(s.url, s.headers, agent);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  s.rates.push((THROUGHPUT_SLICE / (performance.now() - start)) * 1000);
}

/** A tenant with CMK on and an active tenant key in `eu`; its admin's token and the key's .pfx. */
async function tenantWithKey(api: Call, operatorToken: string): Promise<{ id: string; admin: string; pfx: string }> {
  const tenant = expectStatus(
    await api('POST', '/v1/tenants', { token: operatorToken, body: { name: 'Bench', licensedSeats: 5000, regions: ['eu'], cmkOptIn: true } }),
    201,
  ).body;
  expectStatus(await api('POST', `/v1/tenants/${tenant.id}/cmk`, { token: operatorToken, body: { enabled: true } }), 200);
  const admin = expectStatus(
    await api('POST', `/v1/tenants/${tenant.id}/users`, {
      token: operatorToken,
      body: { email: 'bench@bench.example', roles: [{ role: 'global-admin' }] },
    }),
    201,
  ).body.token as string;
  const key = expectStatus(
    await api('POST', `/v1/tenants/${tenant.id}/keys/generate`, {
      token: admin,
      body: { region: 'eu', name: 'K', password: PASSWORD, acknowledgeRisk: true },
    }),
    201,
  ).body;
  await waitForOperation(api, admin, key.operation.id);
  return { id: tenant.id, admin, pfx: key.pfx };
}

/** An engine environment under the tenant key; its token (and vault URL). */
async function engineEnvironment(api: Call, tenant: { id: string; admin: string }, name: string, adminUrl: string) {
  const env = expectStatus(
    await api('POST', `/v1/tenants/${tenant.id}/environments`, {
      token: tenant.admin,
      body: { name, region: 'eu', type: 'sandbox', engine: { kind: 'mariadb', adminUrl } },
    }),
    201,
  ).body;
  const applied = expectStatus(
    await api('POST', `/v1/environments/${env.id}/encryption/apply-tenant-key`, { token: tenant.admin, body: { acknowledgeDowntime: true } }),
    202,
  );
  const op = await waitForOperation(api, tenant.admin, applied.body.operation.id);
  if (op.status !== 'succeeded') throw new Error(JSON.stringify(op));
  const { vaultUrl, token } = expectStatus(await api('POST', `/v1/environments/${env.id}/engine/token`, { token: tenant.admin, body: {} }), 201).body;
  return { id: env.id as string, vaultUrl: vaultUrl as string, token: token as string };
}

const SERVER_ENV = { KEYWARD_PFX_ITERATIONS: '2048', KEYWARD_LOG_LEVEL: 'error' };

async function keyService(): Promise<void> {
  const dataDir = { KEYWARD_DATA_DIR: '' };
  let server: TestServer = await startServer(SERVER_ENV);
  dataDir.KEYWARD_DATA_DIR = server.dataDir;
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  try {
    const api = client(server.url);
    const tenant = await tenantWithKey(api, server.operatorToken);
    const env = await engineEnvironment(api, tenant, 'Bench engine', `mysql://keyward:pw@127.0.0.1:${await freePort()}`);
    const subjects: Subject[] = [
      { name: '/healthz', url: new URL('/healthz', server.url), headers: {}, p50: [], p99: [], rates: [] },
      { name: 'key fetch', url: new URL(`${env.vaultUrl}/data/1`), headers: { 'x-vault-token': env.token }, p50: [], p99: [], rates: [] },
    ];
    for (const s of subjects) {
      await latencySlice(s); // warm-up
      await throughputSlice(s, agent);
      s.p50.length = s.p99.length = s.rates.length = 0;
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of round % 2 === 0 ? subjects : [...subjects].reverse()) {
        await latencySlice(s);
        await throughputSlice(s, agent);
      }
    }
    const [base, key] = subjects as [Subject, Subject];
    const ratio = (a: number[], b: number[]) => median(a.map((x, i) => x / b[i]!));
    console.log("\nKey service on Keyward's real server, ratio to /healthz on the same server (same run):");
    console.log(`${'route'.padEnd(24)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'req/s'.padStart(8)}`);
    for (const s of subjects) {
      console.log(
        `${s.name.padEnd(24)} ${median(s.p50).toFixed(2).padStart(8)} ${median(s.p99).toFixed(2).padStart(8)} ${median(s.rates).toFixed(0).padStart(8)}`,
      );
    }
    console.log(`latency p50 ratio (fresh connection each): ${ratio(key.p50, base.p50).toFixed(2)}`);
    console.log(`requests/s ratio (${IN_FLIGHT} in flight, keep-alive): ${ratio(key.rates, base.rates).toFixed(2)}`);

    // The first fetch after a restart unwraps the DEK in the vault (the tenant key's RSA-OAEP).
    const firsts: number[] = [];
    const cached: number[] = [];
    for (let i = 0; i < 3; i++) {
      await server.stop();
      server = await startServer({ ...SERVER_ENV, ...dataDir, KEYWARD_PORT: new URL(server.url).port, KEYWARD_OPERATOR_TOKEN: server.operatorToken });
      let start = performance.now();
      await get(key.url, key.headers, false);
      firsts.push(performance.now() - start);
      start = performance.now();
      await get(key.url, key.headers, false);
      cached.push(performance.now() - start);
    }
    console.log(
      `first fetch after a restart (DEK unwrapped by the vault): median ${median(firsts).toFixed(2)} ms, next ${median(cached).toFixed(2)} ms`,
    );
  } finally {
    agent.destroy();
    await server.stop();
  }
}

async function engines(): Promise<void> {
  const found = mariaDbStatus();
  if (!found.available) {
    console.log(`\nEngine part skipped: MariaDB is not installed (${found.reason}). ${MARIADB_INSTALL_HINT}`);
    return;
  }
  const server = await startServer(SERVER_ENV);
  const servers: MariaDb[] = [];
  try {
    const api = client(server.url);
    const tenant = await tenantWithKey(api, server.operatorToken);
    for (let i = 0; i < ENGINES; i++) {
      const engine = await createMariaDb();
      servers.push(engine);
      const env = await engineEnvironment(api, tenant, `Engine ${i}`, engine.admin.url);
      engine.reconfigure({ keyService: { vaultUrl: env.vaultUrl, token: env.token } });
    }
    const startAll = async () => {
      for (const s of servers) await s.start(); // one at a time: 2 cores shared
      await Promise.all(
        servers.map((s) => s.sql('CREATE DATABASE IF NOT EXISTS app', 'CREATE TABLE IF NOT EXISTS app.t (id INT PRIMARY KEY, body TEXT)')),
      );
      await Promise.all(servers.map((s) => s.sql('DELETE FROM app.t', "INSERT INTO app.t SELECT seq, REPEAT('x', 500) FROM app.seq_1_to_2000")));
    };

    // Baseline: SIGTERM by pid to process exit, all at once.
    await startAll();
    const t0 = performance.now();
    const exits = await Promise.all(servers.map(async (s) => (await s.terminate(), performance.now() - t0)));

    // Subject: a real lock of the region, which stops all 10 through their admin accounts.
    await startAll();
    await advance(api, server.operatorToken, 73 * HOUR);
    const challenge = expectStatus(await api('GET', `/v1/tenants/${tenant.id}/lock-challenge?region=eu`, { token: tenant.admin }), 200).body.text;
    const t1 = performance.now();
    const exited = servers.map((s) => s.exited().then(() => performance.now() - t1));
    const asked = expectStatus(
      await api('POST', `/v1/tenants/${tenant.id}/lock`, {
        token: tenant.admin,
        body: { region: 'eu', file: tenant.pfx, password: PASSWORD, confirmation: challenge },
      }),
      202,
    );
    const lock = await waitForOperation(api, tenant.admin, asked.body.operation.id, 180_000);
    const lockMs = performance.now() - t1;
    if (lock.status !== 'succeeded') throw new Error(JSON.stringify(lock));
    const down = (lock.result.environments as Array<{ inaccessibleAfterMs: number }>).map((e) => e.inaccessibleAfterMs);
    const gone = await Promise.all(exited);
    console.log(`\n${ENGINES} engines locked at once (each its own mariadbd keyed by the server, 2000 rows written just before):`);
    console.log(`SIGTERM → exit (baseline):             median ${ms(median(exits))}, slowest ${ms(Math.max(...exits))}`);
    console.log(`lock start → confirmed down (reported): median ${ms(median(down))}, slowest ${ms(Math.max(...down))}`);
    console.log(`lock start → process exit:              median ${ms(median(gone))}, slowest ${ms(Math.max(...gone))}`);
    console.log(`whole lock operation (request to succeeded, keys destroyed): ${ms(lockMs)}`);
    console.log(`ratio (median confirmed down / median SIGTERM exit): ${(median(down) / median(exits)).toFixed(2)}`);
  } finally {
    for (const s of servers) await s.destroy();
    await server.stop();
  }
}

export async function run(): Promise<void> {
  await keyService();
  await engines();
}
