import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { installAuth } from '../../src/http/auth.js';
import { engineKeyService, engineVaultUrl } from '../../src/http/engine-key-service.js';
import { deriveEngineKey } from '../../src/crypto/engine-keys.js';
import type { EngineKeyLookup } from '../../src/ports/engine-key-lookup.js';
import type { Store } from '../../src/ports/store.js';
import { MemoryEngineKeys } from '../support/memory-engine-keys.js';

const DENIED = { errors: ['permission denied'] };

/** Keyward's bearer auth in front, as build-server installs it; no token is ever valid here. */
const storeWithoutUsers = {
  settings: { get: () => Promise.resolve(undefined) },
  users: { findByTokenHash: () => Promise.resolve(undefined) },
} as unknown as Store;

const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function serverWith(lookup: EngineKeyLookup, options: { lookupTimeoutMs?: number } = {}) {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  apps.push(app);
  await app.register(swagger, { openapi: { openapi: '3.1.0', info: { title: 'Keyward', version: 'test' } } });
  installAuth(app, storeWithoutUsers);
  app.get('/v1/tenants', () => ({ items: [] }));
  await app.register(engineKeyService, { lookup, ...options });
  await app.ready();
  return app;
}

function world() {
  const keys = new MemoryEngineKeys();
  const a = keys.add('env_a');
  const b = keys.add('env_b');
  return { keys, a, b };
}

describe('engine key service (Vault KV v2 surface)', () => {
  it('answers the mount check and key reads with the derived bytes, latest or asked version', async () => {
    const { keys, a } = world();
    keys.set('env_a', { latestVersion: 3 });
    const app = await serverWith(keys);
    const headers = { 'x-vault-token': a.token };

    const tune = await app.inject({ url: '/v1/sys/mounts/keyward/env_a/tune', headers });
    expect(tune.statusCode).toBe(200);
    expect(tune.json()).toMatchObject({ options: { version: '2' }, data: { options: { version: '2' } } });

    const latest = await app.inject({ url: '/v1/keyward/env_a/data/1', headers });
    expect(latest.statusCode).toBe(200);
    expect(latest.headers['cache-control']).toBe('no-store');
    const body = latest.json();
    expect(body.data.metadata.version).toBe(3);
    expect(body.data.data.data).toBe(deriveEngineKey(a.dek, { environmentId: 'env_a', keyId: 1, version: 3 }).toString('hex'));
    expect(body.data.data.data).toMatch(/^[0-9a-f]{64}$/);

    const older = (await app.inject({ url: '/v1/keyward/env_a/data/7?version=2', headers })).json();
    expect(older.data.metadata.version).toBe(2);
    expect(older.data.data.data).toBe(deriveEngineKey(a.dek, { environmentId: 'env_a', keyId: 7, version: 2 }).toString('hex'));
  });

  it('refuses no token, a wrong token, another environment’s token and unserved versions: 403 in Vault’s format', async () => {
    const { keys, a, b } = world();
    keys.set('env_a', { latestVersion: 3, oldestVersion: 2 });
    const app = await serverWith(keys);
    const cases: Array<[string, Record<string, string>]> = [
      ['/v1/keyward/env_a/data/1', {}],
      ['/v1/keyward/env_a/data/1', { 'x-vault-token': 'kwe_not-a-token-of-anyone' }],
      ['/v1/keyward/env_a/data/1', { 'x-vault-token': b.token }],
      ['/v1/keyward/env_a/data/1', { 'x-vault-token': '' }],
      ['/v1/keyward/env_a/data/1?version=1', { 'x-vault-token': a.token }],
      ['/v1/keyward/env_a/data/1?version=4', { 'x-vault-token': a.token }],
      ['/v1/keyward/env_nobody/data/1', { 'x-vault-token': a.token }],
      ['/v1/sys/mounts/keyward/env_a/tune', { 'x-vault-token': b.token }],
      ['/v1/sys/mounts/keyward/env_a/tune', {}],
      // A Keyward bearer token is not an engine token.
      ['/v1/keyward/env_a/data/1', { authorization: `Bearer ${a.token}` }],
    ];
    for (const [url, headers] of cases) {
      const answer = await app.inject({ url, headers });
      expect([url, answer.statusCode], JSON.stringify(headers)).toEqual([url, 403]);
      expect(answer.json()).toEqual(DENIED);
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
    }
    keys.set('env_a', { refusedKeyIds: [5] });
    expect((await app.inject({ url: '/v1/keyward/env_a/data/5', headers: { 'x-vault-token': a.token } })).statusCode).toBe(403);
  });

  it('answers malformed key ids and versions as a missing secret, without asking the lookup', async () => {
    const { keys, a } = world();
    const app = await serverWith(keys);
    for (const url of [
      '/v1/keyward/env_a/data/abc',
      '/v1/keyward/env_a/data/0',
      '/v1/keyward/env_a/data/4294967295',
      '/v1/keyward/env_a/data/1?version=0',
      '/v1/keyward/env_a/data/1?version=x',
      '/v1/keyward/env_a/data/1?version=1&version=2',
    ]) {
      const answer = await app.inject({ url, headers: { 'x-vault-token': a.token } });
      expect([url, answer.statusCode]).toEqual([url, 404]);
      expect(answer.json()).toEqual({ errors: [] });
    }
    expect(keys.events).toEqual([]);
  });

  it('sits beside Keyward’s bearer auth without going through it, and stays out of the OpenAPI document', async () => {
    const { keys, a } = world();
    const app = await serverWith(keys);
    expect((await app.inject({ url: '/v1/tenants' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/v1/keyward/env_a/data/1', headers: { 'x-vault-token': a.token } })).statusCode).toBe(200);
    const paths = Object.keys((app.swagger() as { paths?: Record<string, unknown> }).paths ?? {});
    expect(paths).toContain('/v1/tenants');
    expect(paths.filter((p) => p.includes('keyward') || p.includes('/sys/'))).toEqual([]);
  });

  it('drops the connection, with no HTTP answer, when the lookup is unavailable, throws or is too slow (SPEC E5)', async () => {
    const { keys, a } = world();
    let mode: 'memory' | 'throw' | 'hang' = 'memory';
    const lookup: EngineKeyLookup = {
      authorize: (r) => keys.authorize(r),
      resolve: (r) => (mode === 'throw' ? Promise.reject(new Error('store down')) : mode === 'hang' ? new Promise(() => undefined) : keys.resolve(r)),
    };
    const app = await serverWith(lookup, { lookupTimeoutMs: 200 });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const get = (path: string) => fetch(`${url}${path}`, { headers: { 'x-vault-token': a.token } });

    expect((await get('/v1/keyward/env_a/data/1')).status).toBe(200);
    keys.set('env_a', { mode: 'drop' });
    await expect(get('/v1/keyward/env_a/data/1')).rejects.toThrow(/fetch failed/);
    await expect(get('/v1/sys/mounts/keyward/env_a/tune')).rejects.toThrow(/fetch failed/);
    keys.set('env_a', { mode: 'serve' });
    mode = 'throw';
    await expect(get('/v1/keyward/env_a/data/1')).rejects.toThrow(/fetch failed/);
    mode = 'hang';
    await expect(get('/v1/keyward/env_a/data/1')).rejects.toThrow(/fetch failed/);
    mode = 'memory';
    expect((await get('/v1/keyward/env_a/data/1')).status).toBe(200);
  });

  it('zeroes the key bytes once they are sent', async () => {
    const handedOut: Buffer[] = [];
    const lookup: EngineKeyLookup = {
      authorize: () => Promise.resolve({ kind: 'allowed' }),
      resolve: () => {
        const key = Buffer.alloc(32, 0xab);
        handedOut.push(key);
        return Promise.resolve({ kind: 'key', version: 1, key });
      },
    };
    const app = await serverWith(lookup);
    const answer = await app.inject({ url: '/v1/keyward/env_a/data/1', headers: { 'x-vault-token': 'any' } });
    expect(answer.json().data.data.data).toBe('ab'.repeat(32));
    expect(handedOut[0]!.every((b) => b === 0)).toBe(true);
  });

  it('refuses a mount root that collides with Keyward’s or Vault’s own paths, and builds the vault URL', async () => {
    for (const mountRoot of ['tenants', 'environments', 'sys', 'operations', 'Keyward', 'a/b']) {
      const app = Fastify({ logger: false });
      apps.push(app);
      await expect(app.register(engineKeyService, { lookup: new MemoryEngineKeys(), mountRoot }).ready()).rejects.toThrow(/mount root/);
    }
    expect(engineVaultUrl('https://keyward.example.com/', 'env_a')).toBe('https://keyward.example.com/v1/keyward/env_a');
  });
});
