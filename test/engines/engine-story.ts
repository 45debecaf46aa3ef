import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { expect } from 'vitest';
import { advance, expectStatus, expectSucceeded, HOUR, type Call } from '../support/api.js';
import { createMariaDb, filesContaining, type MariaDb } from '../support/mariadb.js';
import { client } from '../support/server.js';

/**
 * SPEC E1-E6 end to end, written once and played against every setup (SQLite and the software
 * vault; two instances on PostgreSQL; the PKCS#11 vault over HTTPS): real mariadbd processes,
 * keyed by Keyward's real server through its API and its key service, never the machine's own
 * MariaDB. Tenant A's engine environment is moved under a tenant key and written to; nothing of
 * what was written is on disk in the clear; a new tenant key is activated while a client writes
 * through MariaDB; the lock stops the engine, which then cannot start; tenant B's engine serves
 * on; unlocking the key and the environment lets the engine start, and every row reads back.
 */
export interface EngineStoryContext {
  api: Call;
  operatorToken: string;
  /** The CA Keyward's certificate chains to, when it serves HTTPS: MariaDB's vault-ca, and ours. */
  tls?: { caFile: string; ca: string };
  /** Called with the two engines once made, so the suite can destroy them whatever happens. */
  track: (server: MariaDb) => void;
  /** Milliseconds the story took, per part, for the suite to print. */
  timings?: Record<string, number>;
}

const PASSWORD = 'password-for-engine-story';
const DENIED = { errors: ['permission denied'] };

type VaultAnswer = { status: number; body: any } | { status: 'dropped' };

/** One GET as MariaDB's plugin makes it (a new connection each), over https when Keyward serves it. */
function vaultGet(url: string, token: string | undefined, ca: string | undefined): Promise<VaultAnswer> {
  return new Promise((resolve) => {
    const headers = token === undefined ? {} : { 'x-vault-token': token };
    const done = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') }));
      res.on('error', () => resolve({ status: 'dropped' }));
    };
    const req = url.startsWith('https:') ? httpsRequest(url, { headers, ca, agent: false }, done) : httpRequest(url, { headers, agent: false }, done);
    req.on('error', () => resolve({ status: 'dropped' }));
    req.end();
  });
}

/** Key reads the Keyward instance at `origin` answered 200, by its own metrics. */
async function keyReadsServed(origin: string, operatorToken: string, ca: string | undefined): Promise<number> {
  const text = (await client(origin, ca ? { ca } : {})('GET', '/metrics', { token: operatorToken })).body as string;
  const line = /^keyward_http_requests_total\{[^}]*route="\/v1\/keyward\/:environmentId\/data\/:keyId"[^}]*status="200"[^}]*\} (\d+)/m.exec(text);
  return Number(line?.[1] ?? 0);
}

async function count(server: MariaDb, where = ''): Promise<number> {
  const [row] = await server.sql<Array<{ n: number }>>(`SELECT COUNT(*) AS n FROM app.notes ${where}`);
  return Number(row?.n);
}

/** Every dirty page written out: what is on disk is everything there is. */
async function checkpoint(server: MariaDb): Promise<void> {
  await server.sql('SET GLOBAL innodb_max_dirty_pages_pct = 0', 'FLUSH TABLES', 'FLUSH BINARY LOGS');
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    const [row] = await server.sql<Array<{ Value: string }>>("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'");
    if (Number(row?.Value) === 0) return;
  }
}

export async function playEngineStory(ctx: EngineStoryContext): Promise<void> {
  const { api, operatorToken: op } = ctx;
  const ca = ctx.tls?.ca;
  const time = async <T>(part: string, work: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await work();
    } finally {
      if (ctx.timings) ctx.timings[part] = Date.now() - started;
    }
  };

  // --- Two tenants, each with an engine environment on its own mariadbd ---
  const tenant = async (name: string) => {
    const t = expectStatus(
      await api('POST', '/v1/tenants', { token: op, body: { name, licensedSeats: 3000, regions: ['eu'], cmkOptIn: true } }),
      201,
    ).body;
    expectStatus(await api('POST', `/v1/tenants/${t.id}/cmk`, { token: op, body: { enabled: true } }), 200);
    const admin = expectStatus(
      await api('POST', `/v1/tenants/${t.id}/users`, {
        token: op,
        body: { email: `admin@${name.toLowerCase()}.example`, roles: [{ role: 'global-admin' }] },
      }),
      201,
    ).body.token as string;
    return { id: t.id as string, admin };
  };
  const a = await tenant('Fabrikam');
  const b = await tenant('Tailspin');
  const generate = async (name: string) =>
    expectStatus(
      await api('POST', `/v1/tenants/${a.id}/keys/generate`, {
        token: a.admin,
        body: { region: 'eu', name, password: PASSWORD, acknowledgeRisk: true },
      }),
      201,
    ).body;
  const first = await generate('First');
  await expectSucceeded(api, a.admin, { status: 202, body: { operation: first.operation }, headers: new Headers() });

  const engine = async (t: { id: string; admin: string }, name: string, cacheVersionTimeoutMs?: number) => {
    const server = await createMariaDb();
    ctx.track(server);
    const env = expectStatus(
      await api('POST', `/v1/tenants/${t.id}/environments`, {
        token: t.admin,
        body: { name, region: 'eu', type: 'production', engine: { kind: 'mariadb', adminUrl: server.admin.url } },
      }),
      201,
    ).body;
    expect(JSON.stringify(env)).not.toContain(server.admin.password);
    const { vaultUrl, token } = expectStatus(await api('POST', `/v1/environments/${env.id}/engine/token`, { token: t.admin, body: {} }), 201).body;
    expect(vaultUrl).toMatch(ca ? /^https:\/\// : /^http:\/\//);
    server.reconfigure({
      keyService: {
        vaultUrl,
        token,
        ...(ctx.tls ? { caFile: ctx.tls.caFile } : {}),
        ...(cacheVersionTimeoutMs === undefined ? {} : { cacheVersionTimeoutMs }),
      },
    });
    await server.start();
    await server.untilEncrypted();
    await server.sql('CREATE DATABASE app', 'CREATE TABLE app.notes (id INT PRIMARY KEY AUTO_INCREMENT, body VARCHAR(200)) ENGINE=InnoDB');
    return { server, env, token, keyUrl: `${vaultUrl}/data/1`, origin: new URL(vaultUrl).origin };
  };
  // Engine A never caches which key version is the latest: every page it encrypts asks Keyward,
  // so an HTTP error at any moment (an activation, its shutdown at the lock) would abort it.
  const A = await time('start engine', () => engine(a, 'Orders', 0));
  const B = await engine(b, 'Flights');
  const pidA = A.server.pid;
  const keyBefore = await vaultGet(A.keyUrl, A.token, ca);
  expect(keyBefore).toMatchObject({ status: 200, body: { data: { metadata: { version: 1 } } } });
  const status = async (envId: string, token: string) => expectStatus(await api('GET', `/v1/environments/${envId}`, { token }), 200).body;
  expect((await status(A.env.id, a.admin)).engine).toMatchObject({
    kind: 'mariadb',
    up: true,
    tokenIssued: true,
    lastKeyFetchAt: expect.any(String),
  });

  // --- E3: moving it under the tenant key only rewraps; the engine keeps running ---
  await expectSucceeded(
    api,
    a.admin,
    await api('POST', `/v1/environments/${A.env.id}/encryption/apply-tenant-key`, { token: a.admin, body: { acknowledgeDowntime: true } }),
  );
  expect((await status(A.env.id, a.admin)).encryption).toMatchObject({ mode: 'tenant', status: 'ready' });
  expect(A.server.pid).toBe(pidA);

  // --- Written, checkpointed: not one file of the data dir holds the marker ---
  const marker = `kwmark-${randomBytes(6).toString('hex')}`;
  await A.server.sql([`INSERT INTO app.notes (body) SELECT CONCAT(?, '-', seq) FROM app.seq_1_to_2000`, [marker]]);
  await checkpoint(A.server);
  expect(await count(A.server, `WHERE body LIKE '${marker}-%'`)).toBe(2000);
  const atRest = filesContaining(A.server.files(), marker);
  expect(atRest.scannedBytes).toBeGreaterThan(1_000_000);
  expect(atRest.hits).toEqual([]);

  // --- E2: wrong, foreign and missing tokens ---
  for (const token of [undefined, 'kwe_not-anybodys-token-0000000000000000', B.token, a.admin]) {
    expect(await vaultGet(A.keyUrl, token, ca)).toEqual({ status: 403, body: DENIED });
  }
  expect(await vaultGet(A.keyUrl.replace(A.env.id, B.env.id), A.token, ca)).toEqual({ status: 403, body: DENIED });

  // --- E3: a new tenant key is activated while a client writes through MariaDB ---
  const second = await generate('Second');
  await advance(api, op, 25 * HOUR);
  const writer = await A.server.root();
  let writing = true;
  let written = 0;
  const errors: string[] = [];
  const writes = (async () => {
    while (writing) {
      try {
        await writer.query('INSERT INTO app.notes (body) VALUES (?)', [`${marker}-live-${written}`]);
        written++;
      } catch (error) {
        errors.push(String(error));
      }
    }
  })();
  const until = async (n: number) => {
    for (const deadline = Date.now() + 30_000; written < n && errors.length === 0; await new Promise((r) => setTimeout(r, 10))) {
      if (Date.now() > deadline) throw new Error(`only ${written} rows written`);
    }
  };
  const [uptimeBefore] = await A.server.sql<Array<{ Value: string }>>("SHOW GLOBAL STATUS LIKE 'Uptime'");
  const readsBefore = await keyReadsServed(A.origin, op, ca);
  await time('activate under writes', async () => {
    await until(50);
    const activated = await expectSucceeded(
      api,
      a.admin,
      await api('POST', `/v1/tenants/${a.id}/keys/${second.key.id}/activate`, { token: a.admin, body: { acknowledgeRisk: true } }),
    );
    expect(activated.type).toBe('activate-key');
    await until(written + 50);
  });
  // The engine kept asking Keyward for keys meanwhile (it caches no version), and got them.
  for (const deadline = Date.now() + 20_000; (await keyReadsServed(A.origin, op, ca)) === readsBefore; await new Promise((r) => setTimeout(r, 100))) {
    if (Date.now() > deadline) throw new Error('the engine fetched no key while it was written to');
  }
  writing = false;
  await writes;
  await writer.end();
  expect(errors).toEqual([]);
  expect(A.server.pid).toBe(pidA);
  const [uptimeAfter] = await A.server.sql<Array<{ Value: string }>>("SHOW GLOBAL STATUS LIKE 'Uptime'");
  expect(Number(uptimeAfter?.Value)).toBeGreaterThanOrEqual(Number(uptimeBefore?.Value));
  const keyAfter = await vaultGet(A.keyUrl, A.token, ca);
  expect(keyAfter.status === 200 && keyAfter.body.data).toEqual(keyBefore.status === 200 && keyBefore.body.data);
  const rows = 2000 + written;
  expect(await count(A.server)).toBe(rows);

  // --- Rotation: two new latest versions (one is not enough with rotate_key_age = 1) ---
  for (const keyVersion of [2, 3]) {
    const rotated = await expectSucceeded(
      api,
      a.admin,
      await api('POST', `/v1/environments/${A.env.id}/engine/rotate-key`, { token: a.admin, body: {} }),
    );
    expect(rotated.result).toEqual({ environmentId: A.env.id, keyVersion });
  }
  await time('re-encryption', async () => {
    for (const deadline = Date.now() + 60_000; ; await new Promise((r) => setTimeout(r, 200))) {
      const [use] = await A.server.sql<Array<{ oldest: number | null; rotating: number | null }>>(
        'SELECT MIN(MIN_KEY_VERSION) AS oldest, SUM(ROTATING_OR_FLUSHING) AS rotating FROM information_schema.INNODB_TABLESPACES_ENCRYPTION WHERE ENCRYPTION_SCHEME <> 0 AND MIN_KEY_VERSION <> 0',
      );
      if (Number(use?.oldest) >= 2 && Number(use?.rotating) === 0) break;
      if (Date.now() > deadline) throw new Error(`tablespaces still at key version ${use?.oldest} after the rotations`);
    }
  });

  // --- E4: the lock stops the engine first, then refuses and destroys ---
  await advance(api, op, 73 * HOUR);
  const challenge = expectStatus(await api('GET', `/v1/tenants/${a.id}/lock-challenge?region=eu`, { token: a.admin }), 200).body.text;
  const locked = await time('lock', async () =>
    expectSucceeded(
      api,
      a.admin,
      await api('POST', `/v1/tenants/${a.id}/lock`, {
        token: a.admin,
        body: { region: 'eu', file: second.pfx, password: PASSWORD, confirmation: challenge },
      }),
    ),
  );
  expect(locked.result.environments).toEqual([{ id: A.env.id, inaccessibleAfterMs: expect.any(Number) }]);
  expect(locked.result.environments[0].inaccessibleAfterMs).toBeGreaterThanOrEqual(0);
  if (ctx.timings) ctx.timings.inaccessibleAfterMs = locked.result.environments[0].inaccessibleAfterMs;
  const exit = await A.server.exited();
  expect(exit).toEqual({ code: 0, signal: null });
  expect(A.server.log()).toContain('Shutdown complete');
  expect(A.server.log()).not.toMatch(/Assertion failure|got signal/);
  expect((await status(A.env.id, a.admin)).engine.up).toBe(false);
  const audit = expectStatus(await api('GET', `/v1/tenants/${a.id}/audit`, { token: a.admin }), 200).body.items;
  expect(audit.find((e: any) => e.action === 'tenant.lock' && e.outcome === 'succeeded').detail).toContain(`${A.env.id} down after`);
  expect(await vaultGet(A.keyUrl, A.token, ca)).toEqual({ status: 'dropped' });
  // Everything it wrote is on disk now, encrypted.
  expect(filesContaining(A.server.files(), marker).hits).toEqual([]);
  const refused = await time('refused start', () => A.server.startExpectingFailure());
  expect(refused.code).not.toBe(0);
  expect(refused.log).toMatch(/hashicorp: Unable to get (storage options|key data)|cannot enable encryption/);

  // Tenant B's engine keeps serving.
  await B.server.sql([`INSERT INTO app.notes (body) VALUES (?)`, ['after the other tenant locked']]);
  expect(await count(B.server)).toBe(1);
  expect((await status(B.env.id, b.admin)).engine.up).toBe(true);
  expect((await vaultGet(B.keyUrl, B.token, ca)).status).toBe(200);

  // --- Unlock the key, then the environment: the engine starts and reads every row ---
  await advance(api, op, 2 * HOUR);
  await expectSucceeded(
    api,
    a.admin,
    await api('POST', `/v1/tenants/${a.id}/keys/${second.key.id}/unlock`, { token: a.admin, body: { file: second.pfx, password: PASSWORD } }),
  );
  expect(await vaultGet(A.keyUrl, A.token, ca)).toEqual({ status: 'dropped' });
  await expectSucceeded(api, a.admin, await api('POST', `/v1/environments/${A.env.id}/encryption/unlock`, { token: a.admin, body: {} }));
  // The redo log still asks for key 1 version 1 (INVARIANTS 4): served, three versions later.
  await time('start after unlock', () => A.server.start());
  expect(await count(A.server)).toBe(rows);
  expect(await count(A.server, `WHERE body LIKE '${marker}-%'`)).toBe(rows);
  expect((await status(A.env.id, a.admin)).engine.up).toBe(true);
  await A.server.terminate();
  await B.server.terminate();
}
