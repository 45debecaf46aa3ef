import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startServer, type TestServer } from '../support/server.js';
import { expectCode, expectStatus, expectSucceeded, type Call } from '../support/api.js';
import {
  applyTenantKey,
  backup,
  backupDir,
  cmkTenant,
  environment,
  expectNoPlaintext,
  firstKey,
  lockRegion,
  opens,
  readWith,
  rowsOf,
  withInspector,
  type Tenant,
} from './backups-world.js';

/**
 * Backups, restore (R16) and copy (R17) over HTTP against a real server: each rule allowed and
 * refused with its code, the locks of R14, and on disk: backups are ciphertext under their
 * environment's DEK, and a restored or copied environment is readable under its own DEK only.
 */
let server: TestServer;
let api: Call;
let op: string;
let t: Tenant;
let other: Tenant;
const env: Record<string, string> = {};
let usPfx = '';

beforeAll(async () => {
  server = await startServer({ KEYWARD_PFX_ITERATIONS: '2048' });
  api = client(server.url);
  op = server.operatorToken;
  t = await cmkTenant(api, op, 'Fabrikam', ['eu', 'us']);
  other = await cmkTenant(api, op, 'Northwind', ['eu'], ['mallory']);
  await firstKey(api, t, 'eu');
  usPfx = (await firstKey(api, t, 'us')).pfx;
  env.P1 = await environment(api, t, 'P1', ['p1-a', 'p1-b']);
  env.P2 = await environment(api, t, 'P2', ['p2-a']);
  env.T1 = await environment(api, t, 'T1', ['t1-a', 't1-b'], { tenantKey: true });
  env.T2 = await environment(api, t, 'T2', ['t2-a'], { tenantKey: true });
  env.S = await environment(api, t, 'Support', ['s-a'], { type: 'support' });
  env.L1 = await environment(api, t, 'L1', ['l1-a'], { region: 'us', tenantKey: true });
  env.L2 = await environment(api, t, 'L2', ['l2-a'], { region: 'us', tenantKey: true });
  env.O1 = await environment(api, other, 'O1', ['o1-a']);
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

const restore = (target: string, sourceEnvironmentId: string, backupId: string, token = t.admin) =>
  api('POST', `/v1/environments/${target}/restore`, { token, body: { sourceEnvironmentId, backupId } });
const copy = (target: string, sourceEnvironmentId: string, token = t.admin) =>
  api('POST', `/v1/environments/${target}/copy`, { token, body: { sourceEnvironmentId } });
const file = (id: string) => join(server.dataDir, 'environments', `${id}.db`);
const dekOf = (id: string) => withInspector(server.dataDir, async (i) => (await i.dekOf((await i.store.environments.get(id))!))!);

describe('backups, restore and copy', () => {
  const backups: Record<string, string> = {};

  it('a backup: 201 with label, time and protector, listed, and on disk ciphertext under the environment DEK', async () => {
    const b = await backup(api, t.admin, env.P1!, '  before the import ');
    expect(b).toMatchObject({ environmentId: env.P1, label: 'before the import', protector: { mode: 'provider', keyId: null } });
    expect(Date.parse(b.createdAt)).not.toBeNaN();
    backups.P1 = b.id;
    const listed = expectStatus(await api('GET', `/v1/environments/${env.P1}/backups`, { token: t.admin }), 200).body.items;
    expect(listed).toEqual([b]);
    const path = join(backupDir(server.dataDir, env.P1!), `${b.id}.db`);
    expect(readFileSync(path).length).toBe(b.sizeBytes);
    expectNoPlaintext(readFileSync(path), ['p1-a', 'p1-b', 'notes', 'SQLite format 3']);
    expect(readWith(path, await dekOf(env.P1!))).toEqual(['p1-a', 'p1-b']);
    expect(opens(path, await dekOf(env.P2!))).toBe(false);

    const tb = await backup(api, t.admin, env.T1!);
    expect(tb.label).toBeNull();
    expect((tb as unknown as { protector: unknown }).protector).toMatchObject({ mode: 'tenant' });
    backups.T1 = tb.id;
    backups.P2 = (await backup(api, t.admin, env.P2!)).id;
  });

  it('R16: restores into its own environment, and into another provider-key one that only its own DEK then reads', async () => {
    expectStatus(await api('POST', `/v1/environments/${env.P1}/tables/notes/rows`, { token: t.admin, body: { body: 'p1-later' } }), 201);
    await expectSucceeded(api, t.admin, await restore(env.P1!, env.P1!, backups.P1!));
    expect(await rowsOf(api, t.admin, env.P1!)).toEqual(['p1-a', 'p1-b']);

    await expectSucceeded(api, t.admin, await restore(env.P2!, env.P1!, backups.P1!));
    expect(await rowsOf(api, t.admin, env.P2!)).toEqual(['p1-a', 'p1-b']);
    expect((await api('GET', `/v1/environments/${env.P2}`, { token: t.admin })).body.encryption).toEqual({
      mode: 'provider',
      keyId: null,
      status: 'ready',
    });
    // The file itself (opened beside the server's own connection): the target's DEK only.
    expect(opens(file(env.P2!), await dekOf(env.P2!))).toBe(true);
    expect(opens(file(env.P2!), await dekOf(env.P1!))).toBe(false);
    expectStatus(await api('POST', `/v1/environments/${env.P2}/tables/notes/rows`, { token: t.admin, body: { body: 'p2-writable' } }), 201);
  });

  it('R17: copies between environments of the same tenant key; KEY_MISMATCH across protectors', async () => {
    await expectSucceeded(api, t.admin, await copy(env.T2!, env.T1!));
    expect(await rowsOf(api, t.admin, env.T2!)).toEqual(['t1-a', 't1-b']);
    expect(opens(file(env.T2!), await dekOf(env.T2!))).toBe(true);
    expect(opens(file(env.T2!), await dekOf(env.T1!))).toBe(false);

    expectCode(await restore(env.T1!, env.P1!, backups.P1!), 409, 'KEY_MISMATCH');
    expectCode(await restore(env.P1!, env.T1!, backups.T1!), 409, 'KEY_MISMATCH');
    expectCode(await copy(env.T1!, env.P1!), 409, 'KEY_MISMATCH');
    expectCode(await copy(env.P1!, env.T1!), 409, 'KEY_MISMATCH');
    // Another region's tenant key is another key.
    expectCode(await copy(env.L1!, env.T1!), 409, 'KEY_MISMATCH');
    // A refusal changes nothing.
    expect(await rowsOf(api, t.admin, env.T1!)).toEqual(['t1-a', 't1-b']);
    expect((await api('GET', `/v1/environments/${env.T1}`, { token: t.admin })).body.encryption.status).toBe('ready');
  });

  it('R17: a support environment takes a CMK copy only once moved to the tenant key', async () => {
    const refused = expectCode(await copy(env.S!, env.T1!), 409, 'KEY_MISMATCH');
    expect(refused.body.detail).toMatch(/support environment/);
    await applyTenantKey(api, t, env.S!);
    await expectSucceeded(api, t.admin, await copy(env.S!, env.T1!));
    expect(await rowsOf(api, t.admin, env.S!)).toEqual(['t1-a', 't1-b']);
  });

  it('another tenant learns nothing (404); an env-admin acts on their own environment only (403 beyond)', async () => {
    const mallory = other.admin;
    expectCode(await api('POST', `/v1/environments/${env.P1}/backups`, { token: mallory, body: {} }), 404, 'NOT_FOUND');
    expectCode(await api('GET', `/v1/environments/${env.P1}/backups`, { token: mallory }), 404, 'NOT_FOUND');
    expectCode(await restore(env.P1!, env.P1!, backups.P1!, mallory), 404, 'NOT_FOUND');
    expectCode(await copy(env.O1!, env.P1!, mallory), 404, 'NOT_FOUND');
    expectCode(await api('POST', `/v1/environments/${env.P1}/reset`, { token: mallory, body: {} }), 404, 'NOT_FOUND');
    const theirs = await backup(api, mallory, env.O1!);
    expectCode(await restore(env.P1!, env.O1!, theirs.id), 404, 'NOT_FOUND');
    expectCode(await copy(env.P1!, env.O1!), 404, 'NOT_FOUND');
    // A backup of another environment, or none at all, under this source: 404 too.
    expectCode(await restore(env.P1!, env.P1!, backups.P2!), 404, 'NOT_FOUND');
    expectCode(await restore(env.P1!, env.P1!, 'bk_nothing'), 404, 'NOT_FOUND');

    const user = await api('POST', `${t.T}/users`, {
      token: t.admin,
      body: { email: 'erin@fabrikam.example', roles: [{ role: 'env-admin', environmentId: env.P1 }] },
    });
    const erin = expectStatus(user, 201).body.token as string;
    const own = await backup(api, erin, env.P1!, 'by the env-admin');
    await expectSucceeded(api, erin, await restore(env.P1!, env.P1!, own.id, erin));
    expectCode(await copy(env.P2!, env.P1!, erin), 403, 'FORBIDDEN');
    expectCode(await copy(env.P1!, env.P2!, erin), 403, 'FORBIDDEN');
  });

  it('refuses malformed requests with VALIDATION_FAILED', async () => {
    const bad = [
      api('POST', `/v1/environments/${env.P1}/restore`, { token: t.admin, body: { sourceEnvironmentId: env.P1 } }),
      api('POST', `/v1/environments/${env.P1}/restore`, { token: t.admin, body: { sourceEnvironmentId: env.P1, backupId: backups.P1, extra: true } }),
      api('POST', `/v1/environments/${env.P1}/restore`, { token: t.admin, body: { sourceEnvironmentId: '../etc', backupId: backups.P1 } }),
      api('POST', `/v1/environments/${env.P1}/copy`, { token: t.admin, body: { sourceEnvironmentId: 42 } }),
      api('POST', `/v1/environments/${env.P1}/copy`, { token: t.admin, body: {} }),
      api('POST', `/v1/environments/${env.P1}/copy`, { token: t.admin, raw: '{"sourceEnvironmentId":' }),
      api('POST', `/v1/environments/${env.P1}/backups`, { token: t.admin, body: { label: 'x'.repeat(201) } }),
      api('POST', `/v1/environments/${env.P1}/backups`, { token: t.admin, body: { label: 7 } }),
      api('POST', `/v1/environments/${env.P1}/reset`, { token: t.admin, body: { now: true } }),
      copy(env.P1!, env.P1!),
    ];
    for (const answer of await Promise.all(bad)) expectCode(answer, 400, 'VALIDATION_FAILED');
    expect(await rowsOf(api, t.admin, env.P1!)).toEqual(['p1-a', 'p1-b']);
  });

  it('R14: locked environments refuse backup, restore and copy, as source and as target; their backups are as unreadable', async () => {
    const before = await backup(api, t.admin, env.L1!);
    await lockRegion(api, op, t, 'us', usPfx);
    expectCode(await api('POST', `/v1/environments/${env.L1}/backups`, { token: t.admin, body: {} }), 423, 'ENVIRONMENT_LOCKED');
    expectCode(await restore(env.L1!, env.L1!, before.id), 423, 'ENVIRONMENT_LOCKED');
    expectCode(await copy(env.L2!, env.L1!), 423, 'ENVIRONMENT_LOCKED');
    expectCode(await copy(env.T1!, env.L1!), 423, 'ENVIRONMENT_LOCKED');
    expectCode(await copy(env.L1!, env.T1!), 423, 'ENVIRONMENT_LOCKED');
    expectCode(await api('POST', `/v1/environments/${env.L1}/reset`, { token: t.admin, body: {} }), 423, 'ENVIRONMENT_LOCKED');
    // Listing says what exists; reading it is what the lock prevents.
    expect(
      expectStatus(await api('GET', `/v1/environments/${env.L1}/backups`, { token: t.admin }), 200).body.items.map((b: { id: string }) => b.id),
    ).toEqual([before.id]);
    const path = join(backupDir(server.dataDir, env.L1!), `${before.id}.db`);
    await withInspector(server.dataDir, async (i) => {
      expect(await i.dekOf((await i.store.environments.get(env.L1!))!)).toBeUndefined();
      for (const dek of await i.everyDek()) expect(opens(path, dek)).toBe(false);
    });
    // Unlocked environments carry on.
    await backup(api, t.admin, env.T1!);
  });

  it('describes the routes in the OpenAPI document', async () => {
    const doc = expectStatus(await api('GET', '/v1/openapi.json', { token: t.admin }), 200).body;
    for (const path of [
      '/v1/environments/{envId}/backups',
      '/v1/environments/{envId}/restore',
      '/v1/environments/{envId}/copy',
      '/v1/environments/{envId}/reset',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    expect(doc.paths['/v1/environments/{envId}/restore'].post.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
  });

  it('records every attempt in the audit log', async () => {
    const audit = expectStatus(await api('GET', `${t.T}/audit?limit=1000`, { token: t.admin }), 200).body.items as {
      action: string;
      outcome: string;
      detail: string;
    }[];
    const outcomes = (action: string) => new Set(audit.filter((e) => e.action === action).map((e) => e.outcome));
    expect(outcomes('environment.restore')).toEqual(new Set(['allowed', 'succeeded', 'refused']));
    expect(outcomes('environment.copy')).toEqual(new Set(['allowed', 'succeeded', 'refused']));
    expect(outcomes('environment.backup')).toEqual(new Set(['allowed', 'refused']));
    expect(audit.some((e) => e.action === 'environment.copy' && e.outcome === 'refused' && e.detail === 'KEY_MISMATCH')).toBe(true);
  });
});
