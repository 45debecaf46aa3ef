import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveEngineKey } from '../../src/crypto/engine-keys.js';
import { unwrapDek } from '../../src/crypto/envelope.js';
import { evictUnusableHandles } from '../../src/app/evict-unusable-handles.js';
import { expectCode, expectStatus, HOUR } from '../support/api.js';
import { freePort, type Answer } from '../support/server.js';
import { inProcessKeyward, type InProcessKeyward } from './in-process-keyward.js';

/**
 * Engine environments through Keyward's real HTTP server, in process (no mariadbd: the
 * end-to-end suites start real ones): creation, tokens, the key service over the store and the
 * vault, E3's rewrap-only protection changes, E6's refusals, rotation, and a lock whose engines
 * are already down or cannot be stopped at all.
 */
const DENIED = { errors: ['permission denied'] };
const PASSWORD = 'S3cret p@ss/word%';

let kw: InProcessKeyward;
let closedPort: number;
let garbage: Server;
let garbagePort: number;
beforeAll(async () => {
  kw = await inProcessKeyward();
  closedPort = await freePort();
  // Accepts and answers nonsense: never MariaDB, never down.
  garbage = createServer((socket) => {
    socket.on('error', () => undefined); // the engine control resets its probes
    socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
  }).listen(0, '127.0.0.1');
  await new Promise((resolve) => garbage.once('listening', resolve));
  garbagePort = (garbage.address() as { port: number }).port;
});
afterAll(async () => {
  await kw?.close();
  garbage?.close();
});

const adminUrl = (port: number) => `mysql://keyward:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}`;

async function engineEnvironment(tenant: { id: string; admin: string }, name: string, port = closedPort) {
  return expectStatus(
    await kw.api('POST', `/v1/tenants/${tenant.id}/environments`, {
      token: tenant.admin,
      body: { name, region: 'eu', type: 'production', engine: { kind: 'mariadb', adminUrl: adminUrl(port) } },
    }),
    201,
  ).body;
}

async function token(admin: string, envId: string): Promise<{ vaultUrl: string; token: string }> {
  return expectStatus(await kw.api('POST', `/v1/environments/${envId}/engine/token`, { token: admin, body: {} }), 201).body;
}

/** What the key service answers, as the plugin reads it: the hex key and its version, or the status. */
async function readKey(envId: string, vaultToken: string | undefined, query = '', keyId = 1) {
  const headers: Record<string, string> = vaultToken === undefined ? {} : { 'x-vault-token': vaultToken };
  try {
    const response = await fetch(`${kw.url}/v1/keyward/${envId}/data/${keyId}${query}`, { headers });
    const body = await response.json();
    return response.status === 200
      ? { status: 200, hex: body.data.data.data as string, version: body.data.metadata.version as number }
      : { status: response.status, body };
  } catch {
    return { status: 'dropped' as const };
  }
}

/** The key Keyward should serve, from the DEK the store's record unwraps to. */
async function expectedKey(envId: string, keyId: number, version: number): Promise<string> {
  const env = (await kw.deps.store.environments.get(envId))!;
  const dek = await unwrapDek(kw.deps.vault, env.wrappedDek, env.id, env.encryption.keyId);
  return deriveEngineKey(dek, { environmentId: env.id, keyId, version }).toString('hex');
}

async function succeeded(admin: string, answer: Answer) {
  expectStatus(answer, 202);
  const op = await kw.operation(admin, answer.body.operation.id);
  expect(op.status, JSON.stringify(op)).toBe('succeeded');
  return op;
}

async function generateKey(tenant: { id: string; admin: string }, name: string) {
  const generated = expectStatus(
    await kw.api('POST', `/v1/tenants/${tenant.id}/keys/generate`, {
      token: tenant.admin,
      body: { region: 'eu', name, password: 'password-123', acknowledgeRisk: true },
    }),
    201,
  ).body;
  if (generated.operation) expect((await kw.operation(tenant.admin, generated.operation.id)).status).toBe('succeeded');
  return generated as { key: { id: string }; pfx: string };
}

async function lock(tenant: { id: string; admin: string }, pfx: string) {
  kw.clock.advance(73 * HOUR * 1000);
  const challenge = expectStatus(await kw.api('GET', `/v1/tenants/${tenant.id}/lock-challenge?region=eu`, { token: tenant.admin }), 200).body.text;
  const answer = expectStatus(
    await kw.api('POST', `/v1/tenants/${tenant.id}/lock`, {
      token: tenant.admin,
      body: { region: 'eu', file: pfx, password: 'password-123', confirmation: challenge },
    }),
    202,
  );
  return kw.operation(tenant.admin, answer.body.operation.id);
}

describe('environments on an external engine, through the HTTP API', () => {
  it('are created with an admin URL whose password is sealed, never shown, and no data file', async () => {
    const tenant = await kw.tenant();
    const env = await engineEnvironment(tenant, 'Orders DB');
    expect(env.engine).toEqual({
      kind: 'mariadb',
      host: '127.0.0.1',
      port: closedPort,
      user: 'keyward',
      keyVersion: 1,
      tokenIssued: false,
      lastKeyFetchAt: null,
    });
    expect(JSON.stringify(env)).not.toContain('S3cret');
    expect(kw.deps.dataPlane.files(env.id)).toEqual([]);
    const read = expectStatus(await kw.api('GET', `/v1/environments/${env.id}`, { token: tenant.admin }), 200).body;
    expect(read.engine).toMatchObject({ kind: 'mariadb', up: false });
    const listed = expectStatus(await kw.api('GET', `/v1/tenants/${tenant.id}/environments`, { token: tenant.admin }), 200).body.items;
    expect(listed.find((e: any) => e.id === env.id).engine).not.toHaveProperty('up');

    const embedded = expectStatus(
      await kw.api('POST', `/v1/tenants/${tenant.id}/environments`, { token: tenant.admin, body: { name: 'Plain', region: 'eu', type: 'sandbox' } }),
      201,
    ).body;
    expect(embedded.engine).toEqual({ kind: 'embedded' });
    expect(kw.deps.dataPlane.files(embedded.id)).not.toEqual([]);

    // The control store's own file holds the password nowhere in the clear.
    for (const file of ['control.db', 'control.db-wal']) {
      const bytes = readFileSync(join(kw.dir, file));
      expect(bytes.includes(Buffer.from(PASSWORD)), file).toBe(false);
    }
  });

  it('refuses an admin URL that is not mysql://user:password@host:port, without echoing it', async () => {
    const tenant = await kw.tenant();
    for (const bad of ['postgres://k:p@h:1', 'mysql://k@h:3306', 'mysql://k:secret-xyz@h', 'mysql://k:secret-xyz@h:3306/db?x=1']) {
      const answer = expectCode(
        await kw.api('POST', `/v1/tenants/${tenant.id}/environments`, {
          token: tenant.admin,
          body: { name: 'Bad', region: 'eu', type: 'sandbox', engine: { kind: 'mariadb', adminUrl: bad } },
        }),
        400,
        'VALIDATION_FAILED',
      );
      expect(answer.body.detail).not.toContain('secret-xyz');
    }
    expectCode(
      await kw.api('POST', `/v1/tenants/${tenant.id}/environments`, {
        token: tenant.admin,
        body: { name: 'Bad', region: 'eu', type: 'sandbox', engine: { kind: 'oracle', adminUrl: adminUrl(1) } },
      }),
      400,
      'VALIDATION_FAILED',
    );
    expect((await kw.api('GET', `/v1/tenants/${tenant.id}/environments`, { token: tenant.admin })).body.items).toEqual([]);
  });

  it('issue tokens to tenant admins and the env-admin only; a new token replaces the old at once; wrong, foreign and missing tokens get 403 in Vault’s format', async () => {
    const tenant = await kw.tenant();
    const a = await engineEnvironment(tenant, 'A');
    const b = await engineEnvironment(tenant, 'B');
    const envAdmin = async (envId: string) =>
      expectStatus(
        await kw.api('POST', `/v1/tenants/${tenant.id}/users`, {
          token: kw.operatorToken,
          body: { email: `ea-${envId.replaceAll('_', '-').toLowerCase()}@t.example`, roles: [{ role: 'env-admin', environmentId: envId }] },
        }),
        201,
      ).body.token as string;
    const adminOfA = await envAdmin(a.id);
    const adminOfB = await envAdmin(b.id);
    expectCode(await kw.api('POST', `/v1/environments/${a.id}/engine/token`, { token: adminOfB, body: {} }), 403, 'FORBIDDEN');
    expectCode(await kw.api('POST', `/v1/environments/${a.id}/engine/token`, { token: kw.operatorToken, body: {} }), 403, 'FORBIDDEN');
    const other = await kw.tenant();
    expectCode(await kw.api('POST', `/v1/environments/${a.id}/engine/token`, { token: other.admin, body: {} }), 404, 'NOT_FOUND');
    const embedded = expectStatus(
      await kw.api('POST', `/v1/tenants/${tenant.id}/environments`, { token: tenant.admin, body: { name: 'E', region: 'eu', type: 'sandbox' } }),
      201,
    ).body;
    expectCode(await kw.api('POST', `/v1/environments/${embedded.id}/engine/token`, { token: tenant.admin, body: {} }), 409, 'CONFLICT');

    const first = await token(adminOfA, a.id);
    expect(first.vaultUrl).toBe(`https://keyward.example.com/v1/keyward/${a.id}`);
    expect(first.token).toMatch(/^kwe_[A-Za-z0-9_-]{43}$/);
    const tokenOfB = (await token(tenant.admin, b.id)).token;
    expect(await readKey(a.id, first.token)).toEqual({ status: 200, hex: await expectedKey(a.id, 1, 1), version: 1 });
    expect((await readKey(a.id, first.token, '', 7)).hex).toBe(await expectedKey(a.id, 7, 1));
    expect((await kw.api('GET', `/v1/environments/${a.id}`, { token: tenant.admin })).body.engine).toMatchObject({ tokenIssued: true });

    for (const wrong of [undefined, 'kwe_not-a-token-of-anyone-at-all', tokenOfB, tenant.admin]) {
      expect(await readKey(a.id, wrong)).toEqual({ status: 403, body: DENIED });
    }
    expect(await readKey('env_nobody', first.token)).toEqual({ status: 403, body: DENIED });
    expect(await readKey(embedded.id, first.token)).toEqual({ status: 403, body: DENIED });
    expect(await readKey(a.id, first.token, '?version=2')).toEqual({ status: 403, body: DENIED });
    const tune = await fetch(`${kw.url}/v1/sys/mounts/keyward/${a.id}/tune`, { headers: { 'x-vault-token': first.token } });
    expect((await tune.json()).options).toEqual({ version: '2' });

    const second = await token(tenant.admin, a.id);
    expect(await readKey(a.id, first.token)).toEqual({ status: 403, body: DENIED });
    expect((await readKey(a.id, second.token)).status).toBe(200);
    const audit = (await kw.api('GET', `/v1/tenants/${tenant.id}/audit`, { token: tenant.admin })).body.items;
    const issued = audit.filter((e: any) => e.action === 'environment.engine-token');
    expect(issued.map((e: any) => e.outcome)).toEqual(expect.arrayContaining(['allowed', 'refused']));
    expect(JSON.stringify(audit)).not.toContain(second.token);
  });

  it('records the last key fetch for the probe, at most once a minute', async () => {
    const tenant = await kw.tenant();
    const env = await engineEnvironment(tenant, 'Fetches');
    const { token: t } = await token(tenant.admin, env.id);
    const before = kw.clock.now().toISOString();
    expect((await readKey(env.id, t)).status).toBe(200);
    const lastFetch = async () =>
      expectStatus(await kw.api('GET', `/v1/environments/${env.id}`, { token: tenant.admin }), 200).body.engine.lastKeyFetchAt;
    // The write is not awaited by the key read (it must never slow a key down).
    for (let i = 0; i < 50 && (await lastFetch()) === null; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await lastFetch()).toBe(before);
    kw.clock.advance(10_000);
    expect((await readKey(env.id, t)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    // Throttled on real time: a second fetch within the minute writes nothing.
    expect(await lastFetch()).toBe(before);
  });

  it('answer CONFLICT to data routes, backups, restore, copy and reset (SPEC E6)', async () => {
    const tenant = await kw.tenant();
    const env = await engineEnvironment(tenant, 'Engine');
    const plain = expectStatus(
      await kw.api('POST', `/v1/tenants/${tenant.id}/environments`, { token: tenant.admin, body: { name: 'Plain', region: 'eu', type: 'sandbox' } }),
      201,
    ).body;
    const E = `/v1/environments/${env.id}`;
    const refused: Array<[string, string, unknown?]> = [
      ['POST', `${E}/tables`, { name: 't', columns: [{ name: 'v', type: 'text' }] }],
      ['GET', `${E}/tables/t/rows`],
      ['POST', `${E}/tables/t/rows`, { v: 'x' }],
      ['GET', `${E}/tables/t/rows/row_1`],
      ['POST', `${E}/backups`, {}],
      ['GET', `${E}/backups`],
      ['POST', `${E}/reset`, {}],
      ['POST', `${E}/copy`, { sourceEnvironmentId: plain.id }],
      ['POST', `/v1/environments/${plain.id}/copy`, { sourceEnvironmentId: env.id }],
      ['POST', `${E}/restore`, { sourceEnvironmentId: env.id, backupId: 'bk_1' }],
    ];
    for (const [method, path, body] of refused) {
      const answer = expectCode(await kw.api(method, path, { token: tenant.admin, ...(body === undefined ? {} : { body }) }), 409, 'CONFLICT');
      expect(answer.body.detail, `${method} ${path}`).toMatch(/MariaDB server, which holds the data and makes its own backups/);
    }
    expect((await kw.api('GET', `/v1/environments/${plain.id}/backups`, { token: tenant.admin })).status).toBe(200);
  });

  it('apply and return only rewrap the DEK: the engine gets the same bytes throughout (SPEC E3)', async () => {
    const tenant = await kw.tenant();
    const env = await engineEnvironment(tenant, 'Rewrapped');
    const { token: t } = await token(tenant.admin, env.id);
    const before = await readKey(env.id, t);
    const wrappedBefore = (await kw.deps.store.environments.get(env.id))!.wrappedDek;
    await generateKey(tenant, 'First');
    await succeeded(
      tenant.admin,
      await kw.api('POST', `/v1/environments/${env.id}/encryption/apply-tenant-key`, { token: tenant.admin, body: { acknowledgeDowntime: true } }),
    );
    const applied = (await kw.deps.store.environments.get(env.id))!;
    expect(applied.encryption).toMatchObject({ mode: 'tenant', status: 'ready' });
    expect(applied.wrappedDek).not.toBe(wrappedBefore);
    expect(applied.pendingWrappedDek).toBeNull();
    expect(await readKey(env.id, t)).toEqual(before);
    expect(kw.deps.dataPlane.files(env.id)).toEqual([]);

    await succeeded(
      tenant.admin,
      await kw.api('POST', `/v1/environments/${env.id}/encryption/return-to-provider`, { token: tenant.admin, body: { confirmation: 'Rewrapped' } }),
    );
    expect((await kw.deps.store.environments.get(env.id))!.encryption.mode).toBe('provider');
    expect(await readKey(env.id, t)).toEqual(before);
    const audit = (await kw.api('GET', `/v1/tenants/${tenant.id}/audit`, { token: tenant.admin })).body.items;
    expect(audit.filter((e: any) => e.outcome === 'succeeded' && /rewrapped only/.test(e.detail ?? '')).length).toBe(2);
  });

  it('rotate to a new latest version as an operation, and keep serving every older one', async () => {
    const tenant = await kw.tenant();
    const env = await engineEnvironment(tenant, 'Rotated');
    const { token: t } = await token(tenant.admin, env.id);
    const v1 = await readKey(env.id, t);
    const op = await succeeded(tenant.admin, await kw.api('POST', `/v1/environments/${env.id}/engine/rotate-key`, { token: tenant.admin, body: {} }));
    expect(op).toMatchObject({ type: 'rotate-engine-key', result: { environmentId: env.id, keyVersion: 2 } });
    const latest = await readKey(env.id, t);
    expect(latest).toEqual({ status: 200, hex: await expectedKey(env.id, 1, 2), version: 2 });
    expect(latest.hex).not.toBe(v1.hex);
    expect(await readKey(env.id, t, '?version=1')).toEqual(v1);
    expect(await readKey(env.id, t, '?version=3')).toEqual({ status: 403, body: DENIED });
    expect((await kw.api('GET', `/v1/environments/${env.id}`, { token: tenant.admin })).body.engine.keyVersion).toBe(2);
    const plain = expectStatus(
      await kw.api('POST', `/v1/tenants/${tenant.id}/environments`, { token: tenant.admin, body: { name: 'Plain', region: 'eu', type: 'sandbox' } }),
      201,
    ).body;
    expectCode(await kw.api('POST', `/v1/environments/${plain.id}/engine/rotate-key`, { token: tenant.admin, body: {} }), 409, 'CONFLICT');
  });

  it(
    'lock: an engine already down is reported; one that cannot be stopped fails the lock loudly, its keys destroyed all the same; unlock serves the keys again',
    { timeout: 60_000 },
    async () => {
      const tenant = await kw.tenant();
      const { pfx, key } = await generateKey(tenant, 'Locking');
      const down = await engineEnvironment(tenant, 'Down');
      const stuck = await engineEnvironment(tenant, 'Stuck', garbagePort);
      const providerEngine = await engineEnvironment(tenant, 'On provider key');
      const tokens = { down: (await token(tenant.admin, down.id)).token, stuck: (await token(tenant.admin, stuck.id)).token };
      const providerToken = (await token(tenant.admin, providerEngine.id)).token;
      for (const env of [down, stuck]) {
        await succeeded(
          tenant.admin,
          await kw.api('POST', `/v1/environments/${env.id}/encryption/apply-tenant-key`, {
            token: tenant.admin,
            body: { acknowledgeDowntime: true },
          }),
        );
      }
      const keysBefore = { down: await readKey(down.id, tokens.down), stuck: await readKey(stuck.id, tokens.stuck) };
      expect(kw.deps.engines.deks.ids()).toEqual(expect.arrayContaining([down.id, stuck.id]));

      const op = await lock(tenant, pfx);
      expect(op.status).toBe('failed');
      expect(op.error.code).toBe('CONFLICT');
      expect(op.error.detail).toContain(`"Stuck" (${stuck.id})`);
      expect(op.error.detail).toMatch(/keys are destroyed/);
      expect(op.error.detail).not.toContain(PASSWORD);
      const byId = Object.fromEntries(op.result.environments.map((e: any) => [e.id, e]));
      expect(byId[down.id]).toEqual({ id: down.id, inaccessibleAfterMs: expect.any(Number) });
      expect(byId[down.id].inaccessibleAfterMs).toBeGreaterThanOrEqual(0);
      expect(byId[stuck.id]).toMatchObject({ id: stuck.id, inaccessibleAfterMs: null, error: expect.stringMatching(/127\.0\.0\.1/) });
      expect(byId[providerEngine.id]).toBeUndefined();

      for (const env of [down, stuck]) expect((await kw.deps.store.environments.get(env.id))!.encryption.status).toBe('locked');
      const keys = (await kw.api('GET', `/v1/tenants/${tenant.id}/keys`, { token: tenant.admin })).body.items;
      expect(keys.find((k: any) => k.id === key.id).state).toBe('Locked');
      expect(await kw.deps.vault.hasPrivateKey(key.id)).toBe(false);
      // Locked: the connection is dropped, never an HTTP error; nothing of their DEKs stays here.
      expect(await readKey(down.id, tokens.down)).toEqual({ status: 'dropped' });
      expect(await readKey(stuck.id, tokens.stuck)).toEqual({ status: 'dropped' });
      expect(await readKey(stuck.id, 'kwe_wrong-token-for-a-locked-one')).toEqual({ status: 403, body: DENIED });
      expect(kw.deps.engines.deks.ids()).not.toContain(down.id);
      expect(kw.deps.engines.deks.ids()).not.toContain(stuck.id);
      // The provider-key engine of the same tenant is not locked.
      expect((await readKey(providerEngine.id, providerToken)).status).toBe(200);
      const audit = (await kw.api('GET', `/v1/tenants/${tenant.id}/audit`, { token: tenant.admin })).body.items;
      const locked = audit.find((e: any) => e.action === 'tenant.lock' && e.outcome === 'failed');
      expect(locked.detail).toContain(`${down.id} down after`);
      expect(locked.detail).toContain(`${stuck.id} NOT confirmed down`);

      kw.clock.advance(2 * HOUR * 1000);
      await succeeded(
        tenant.admin,
        await kw.api('POST', `/v1/tenants/${tenant.id}/keys/${key.id}/unlock`, {
          token: tenant.admin,
          body: { file: pfx, password: 'password-123' },
        }),
      );
      expect(await readKey(down.id, tokens.down)).toEqual({ status: 'dropped' });
      await succeeded(tenant.admin, await kw.api('POST', `/v1/environments/${down.id}/encryption/unlock`, { token: tenant.admin, body: {} }));
      expect(await readKey(down.id, tokens.down)).toEqual(keysBefore.down);
      const engine = (await kw.deps.store.environments.get(down.id))!.engine;
      expect(engine.kind === 'mariadb' && engine.stoppedAt).toBeNull();
      // Still locked: still dropped.
      expect(await readKey(stuck.id, tokens.stuck)).toEqual({ status: 'dropped' });
      await succeeded(tenant.admin, await kw.api('POST', `/v1/environments/${stuck.id}/encryption/unlock`, { token: tenant.admin, body: {} }));
      expect(await readKey(stuck.id, tokens.stuck)).toEqual(keysBefore.stuck);
    },
  );

  it('lets go of engine DEKs held for environments no longer served, on the sweep', async () => {
    const tenant = await kw.tenant();
    const env = await engineEnvironment(tenant, 'Swept');
    const { token: t } = await token(tenant.admin, env.id);
    expect((await readKey(env.id, t)).status).toBe(200);
    expect(kw.deps.engines.deks.ids()).toContain(env.id);
    await evictUnusableHandles(kw.deps);
    expect(kw.deps.engines.deks.ids()).toContain(env.id);
    // Another instance deleted it: this one's sweep drops the DEK.
    expect(await kw.deps.store.environments.shred(env.id, 'delete')).toBe(true);
    await evictUnusableHandles(kw.deps);
    expect(kw.deps.engines.deks.ids()).not.toContain(env.id);
    expect(await readKey(env.id, t)).toEqual({ status: 'dropped' });
  });
});
