// The engine key service and the engine control, against baselines measured in the same run:
//
// 1. Key fetches (GET /v1/keyward/<env>/data/1, token check + HKDF + JSON) against a trivial
//    /healthz-like route on the same Fastify server:
//    - latency, one request at a time on a fresh connection each (as MariaDB's plugin does: a new
//      curl handle per fetch), p50 and p99, ratio of p50s;
//    - requests/s with 16 in flight over kept-alive connections (the server's capacity), ratio.
//    Client and server share this process (and its event loop), so absolute figures are low;
//    the ratios are what to compare. Rounds are interleaved; medians over rounds are printed.
// 2. Stopping 10 engines (each its own mariadbd, keyed by the service) all at once, as a lock of
//    10 environments would: the time from stop() to "confirmed down" (SHUTDOWN accepted, then 3
//    refused connections in a row), against the time the same engines take from SIGTERM (sent by
//    pid) to process exit; and how long each process still ran after it was confirmed down (the
//    window in which the key service must drop, never refuse, its requests). About a minute.
import { request, Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { systemClock } from '../src/adapters/clock/system-clock.js';
import { MariaDbEngineControl } from '../src/adapters/engines/mariadb/mariadb-engine-control.js';
import { startEngineKeyServer } from '../test/support/engine-key-server.js';
import { createMariaDb, MARIADB_INSTALL_HINT, mariaDbStatus, type MariaDb } from '../test/support/mariadb.js';

const ROUNDS = 7;
const LATENCY_SLICE = 200;
const THROUGHPUT_SLICE = 2_000;
const IN_FLIGHT = 16;
const ENGINES = 10;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

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

async function keyService(): Promise<void> {
  const server = await startEngineKeyServer();
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  try {
    const { token } = server.keys.add('env_bench');
    const subjects: Subject[] = [
      { name: '/healthz-like route', url: new URL('/healthz', server.url), headers: {}, p50: [], p99: [], rates: [] },
      {
        name: 'key fetch',
        url: new URL('/v1/keyward/env_bench/data/1', server.url),
        headers: { 'x-vault-token': token },
        p50: [],
        p99: [],
        rates: [],
      },
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
      server.keys.events.length = 0; // the lookup's log, not part of what is measured
    }
    const [base, key] = subjects as [Subject, Subject];
    const ratio = (a: number[], b: number[]) => median(a.map((x, i) => x / b[i]!));
    console.log('\nKey service, ratio to a trivial route on the same server (same run):');
    console.log(`${'route'.padEnd(24)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'req/s'.padStart(8)}`);
    for (const s of subjects) {
      console.log(
        `${s.name.padEnd(24)} ${median(s.p50).toFixed(2).padStart(8)} ${median(s.p99).toFixed(2).padStart(8)} ${median(s.rates).toFixed(0).padStart(8)}`,
      );
    }
    console.log(`latency p50 ratio (fresh connection each): ${ratio(key.p50, base.p50).toFixed(2)}`);
    console.log(`requests/s ratio (${IN_FLIGHT} in flight, keep-alive): ${ratio(key.rates, base.rates).toFixed(2)}`);
  } finally {
    agent.destroy();
    await server.close();
  }
}

async function engines(): Promise<void> {
  const found = mariaDbStatus();
  if (!found.available) {
    console.log(`\nEngine part skipped: MariaDB is not installed (${found.reason}). ${MARIADB_INSTALL_HINT}`);
    return;
  }
  const keyServer = await startEngineKeyServer();
  const control = new MariaDbEngineControl({ clock: systemClock });
  const servers: MariaDb[] = [];
  try {
    for (let i = 0; i < ENGINES; i++) {
      const { token } = keyServer.keys.add(`env_engine_${i}`);
      servers.push(await createMariaDb({ keyService: { vaultUrl: keyServer.vaultUrl(`env_engine_${i}`), token } }));
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

    // Subject: stop() through the admin account, all at once.
    await startAll();
    const t1 = performance.now();
    const stops = await Promise.all(
      servers.map(async (s) => {
        const exited = s.exited().then(() => performance.now());
        const outcome = await control.stop(s.admin.url);
        const confirmedAt = performance.now();
        if (!outcome.ok) throw new Error(outcome.detail);
        return { tookMs: outcome.tookMs, confirmed: confirmedAt - t1, afterConfirmed: (await exited) - confirmedAt };
      }),
    );
    const ms = (x: number) => `${x.toFixed(0)} ms`;
    console.log(`\n${ENGINES} engines stopped at once (each its own mariadbd, 2000 rows written just before):`);
    console.log(`SIGTERM → exit (baseline):     median ${ms(median(exits))}, slowest ${ms(Math.max(...exits))}`);
    console.log(
      `stop() → confirmed down:       median ${ms(median(stops.map((s) => s.tookMs)))}, slowest ${ms(Math.max(...stops.map((s) => s.confirmed)))}`,
    );
    console.log(`ratio (median stop / median SIGTERM exit): ${(median(stops.map((s) => s.tookMs)) / median(exits)).toFixed(2)}`);
    const after = stops.map((s) => s.afterConfirmed);
    console.log(`process still alive after confirmed down: median ${ms(median(after))}, longest ${ms(Math.max(...after))}`);
  } finally {
    for (const s of servers) await s.destroy();
    await keyServer.close();
  }
}

export async function run(): Promise<void> {
  await keyService();
  await engines();
}
