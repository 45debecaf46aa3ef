import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startServer, type TestServer } from '../support/server.js';

/**
 * The foundation story over real HTTP against a real server process: tenants, CMK opt-in (R1),
 * people with tokens, environments, tables and rows; then a scan of every byte under the data
 * dir (WAL included) for any row's plaintext.
 */
let server: TestServer;
let api: ReturnType<typeof client>;
let op: string;

beforeAll(async () => {
  server = await startServer();
  api = client(server.url);
  op = server.operatorToken;
});
afterAll(async () => {
  await server?.stop();
});

const marker = (label: string) => `${label}-${randomBytes(8).toString('hex')}`;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

describe('foundation end to end', () => {
  const secrets: string[] = [];
  let tenantId = '';
  let admin = '';
  let envId = '';

  it('R1: CMK is refused for ≤1000 seats or no opt-in, allowed otherwise', async () => {
    const small = await api('POST', '/v1/tenants', { token: op, body: { name: 'Small', licensedSeats: 1000, regions: ['eu'], cmkOptIn: true } });
    expect(small.status).toBe(201);
    const refused = await api('POST', `/v1/tenants/${small.body.id}/cmk`, { token: op, body: { enabled: true } });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('CMK_NOT_ELIGIBLE');
    expect(refused.headers.get('content-type')).toContain('application/problem+json');

    const noOptIn = await api('POST', '/v1/tenants', { token: op, body: { name: 'Shy', licensedSeats: 5000, regions: ['eu'], cmkOptIn: false } });
    expect((await api('POST', `/v1/tenants/${noOptIn.body.id}/cmk`, { token: op, body: { enabled: true } })).body.code).toBe('CMK_NOT_ELIGIBLE');
    expect((await api('GET', `/v1/tenants/${noOptIn.body.id}`, { token: op })).body.cmkEnabled).toBe(false);

    const big = await api('POST', '/v1/tenants', {
      token: op,
      body: { name: 'Contoso', licensedSeats: 1001, regions: ['eu', 'us'], cmkOptIn: true },
    });
    tenantId = big.body.id;
    const enabled = await api('POST', `/v1/tenants/${tenantId}/cmk`, { token: op, body: { enabled: true } });
    expect(enabled.status).toBe(200);
    expect(enabled.body).toMatchObject({ id: tenantId, cmkEnabled: true, licensedSeats: 1001, regions: ['eu', 'us'] });
    expect(Date.parse(enabled.body.cmkEnabledAt)).not.toBeNaN();
  });

  it('people get tokens that work, once', async () => {
    const created = await api('POST', `/v1/tenants/${tenantId}/users`, {
      token: op,
      body: { email: 'ga@contoso.test', roles: [{ role: 'global-admin' }] },
    });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^kw_/);
    admin = created.body.token;
    secrets.push(admin);
    const service = await api('POST', `/v1/tenants/${tenantId}/users`, {
      token: admin,
      body: { email: 'sa@contoso.test', roles: [{ role: 'service-admin' }] },
    });
    expect(service.status).toBe(201);
    // Only the operator and global admins add people.
    const bySa = await api('POST', `/v1/tenants/${tenantId}/users`, {
      token: service.body.token,
      body: { email: 'x@contoso.test', roles: [{ role: 'global-admin' }] },
    });
    expect(bySa.status).toBe(403);
    expect(
      (await api('POST', `/v1/tenants/${tenantId}/users`, { token: op, body: { email: 'GA@contoso.test', roles: [{ role: 'global-admin' }] } })).body
        .code,
    ).toBe('CONFLICT');
    expect((await api('GET', `/v1/tenants/${tenantId}`, { token: admin })).status).toBe(200);
  });

  it('environments made after CMK are eligible; tables and rows of every type read back', async () => {
    const env = await api('POST', `/v1/tenants/${tenantId}/environments`, {
      token: admin,
      body: { name: 'Sales', region: 'eu', type: 'production' },
    });
    expect(env.status).toBe(201);
    expect(env.body).toMatchObject({
      tenantId,
      name: 'Sales',
      region: 'eu',
      type: 'production',
      cmkEligible: true,
      encryption: { mode: 'provider', keyId: null, status: 'ready' },
    });
    envId = env.body.id;

    const table = await api('POST', `/v1/environments/${envId}/tables`, {
      token: admin,
      body: {
        name: 'accounts',
        columns: [
          { name: 'name', type: 'text' },
          { name: 'revenue', type: 'number' },
          { name: 'active', type: 'boolean' },
          { name: 'since', type: 'datetime' },
        ],
      },
    });
    expect(table.status).toBe(201);

    const rows = [];
    for (let i = 0; i < 25; i++) {
      const name = marker(`customer${i}`);
      secrets.push(name);
      const row = await api('POST', `/v1/environments/${envId}/tables/accounts/rows`, {
        token: admin,
        body: { name, revenue: 1000.5 + i, active: i % 2 === 0, since: '2026-03-01T10:00:00+02:00' },
      });
      expect(row.status).toBe(201);
      expect(row.body).toMatchObject({ name, revenue: 1000.5 + i, active: i % 2 === 0, since: '2026-03-01T08:00:00.000Z' });
      rows.push(row.body);
    }
    const one = await api('GET', `/v1/environments/${envId}/tables/accounts/rows/${rows[3].id}`, { token: admin });
    expect(one.body).toEqual(rows[3]);

    const patched = await api('PATCH', `/v1/environments/${envId}/tables/accounts/rows/${rows[3].id}`, {
      token: admin,
      body: { active: true, revenue: null },
    });
    expect(patched.body).toMatchObject({ id: rows[3].id, name: rows[3].name, active: true, revenue: null });

    expect((await api('DELETE', `/v1/environments/${envId}/tables/accounts/rows/${rows[4].id}`, { token: admin })).status).toBe(204);
    expect((await api('GET', `/v1/environments/${envId}/tables/accounts/rows/${rows[4].id}`, { token: admin })).body.code).toBe('NOT_FOUND');

    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page: any = await api('GET', `/v1/environments/${envId}/tables/accounts/rows?limit=10${after ? `&after=${after}` : ''}`, {
        token: admin,
      });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((r: { id: string }) => r.id));
      after = page.body.nextCursor;
    } while (after);
    expect(seen.sort()).toEqual(
      rows
        .filter((_, i) => i !== 4)
        .map((r) => r.id)
        .sort(),
    );

    const files = await api('POST', `/v1/environments/${envId}/tables`, {
      token: admin,
      body: { name: 'docs', columns: [{ name: 'body', type: 'file' }] },
    });
    expect(files.status).toBe(201);
    const blob = Buffer.from(marker('filecontent')).toString('base64');
    const doc = await api('POST', `/v1/environments/${envId}/tables/docs/rows`, { token: admin, body: { body: blob } });
    expect(doc.body.body).toBe(blob);
    // R2: a file column makes the environment ineligible for a tenant key.
    expect((await api('GET', `/v1/environments/${envId}`, { token: admin })).body.cmkEligible).toBe(false);
  });

  it('an env-admin sees their environment and nothing else of the tenant', async () => {
    const other = await api('POST', `/v1/tenants/${tenantId}/environments`, { token: admin, body: { name: 'Other', region: 'us', type: 'sandbox' } });
    const envAdmin = await api('POST', `/v1/tenants/${tenantId}/users`, {
      token: admin,
      body: { email: 'ea@contoso.test', roles: [{ role: 'env-admin', environmentId: envId }] },
    });
    const token = envAdmin.body.token;
    expect((await api('GET', `/v1/environments/${envId}/tables/accounts/rows?limit=1`, { token })).status).toBe(200);
    expect((await api('GET', `/v1/environments/${other.body.id}`, { token })).status).toBe(403);
    const list = await api('GET', `/v1/tenants/${tenantId}/environments`, { token });
    expect(list.body.items.map((e: { id: string }) => e.id)).toEqual([envId]);
    expect((await api('POST', `/v1/tenants/${tenantId}/environments`, { token, body: { name: 'Nope', region: 'eu', type: 'trial' } })).status).toBe(
      403,
    );
  });

  it('no file under the data dir, WAL included, holds any row plaintext or token', () => {
    const files = filesUnder(server.dataDir);
    expect(files.some((f) => f.endsWith('-wal'))).toBe(true);
    expect(files.filter((f) => f.endsWith('.db')).length).toBeGreaterThanOrEqual(2);
    for (const file of files) {
      if (statSync(file).size === 0) continue;
      const bytes = readFileSync(file);
      for (const secret of secrets) {
        expect(bytes.includes(Buffer.from(secret)), `${secret} found in ${file}`).toBe(false);
        expect(bytes.includes(Buffer.from(secret, 'utf16le')), `${secret} (UTF-16) found in ${file}`).toBe(false);
      }
      if (file.includes('environments')) expect(bytes.includes(Buffer.from('accounts')), `table name in ${file}`).toBe(false);
    }
  });

  it('deleting an environment shreds it: 404 afterwards and no file of it remains', async () => {
    const env = await api('POST', `/v1/tenants/${tenantId}/environments`, { token: admin, body: { name: 'Doomed', region: 'eu', type: 'trial' } });
    await api('POST', `/v1/environments/${env.body.id}/tables`, { token: admin, body: { name: 't', columns: [{ name: 'v', type: 'text' }] } });
    expect(filesUnder(server.dataDir).some((f) => f.includes(env.body.id))).toBe(true);
    expect((await api('DELETE', `/v1/environments/${env.body.id}`, { token: admin })).status).toBe(204);
    expect((await api('GET', `/v1/environments/${env.body.id}`, { token: admin })).status).toBe(404);
    expect((await api('GET', `/v1/environments/${env.body.id}/tables/t/rows`, { token: admin })).status).toBe(404);
    expect(filesUnder(server.dataDir).some((f) => f.includes(env.body.id))).toBe(false);
    const list = await api('GET', `/v1/tenants/${tenantId}/environments`, { token: admin });
    expect(list.body.items.some((e: { id: string }) => e.id === env.body.id)).toBe(false);
  });

  it('serves health, metrics (operator only), OpenAPI and the dev clock', async () => {
    expect((await api('GET', '/healthz')).status).toBe(200);
    const metrics = await api('GET', '/metrics', { token: op });
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('keyward_http_requests_total');
    expect((await api('GET', '/metrics', { token: admin })).status).toBe(403);
    const doc = await api('GET', '/v1/openapi.json', { token: admin });
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/tenants', '/v1/environments/{envId}/tables/{table}/rows']));
    expect(doc.body.paths['/v1/tenants'].post.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
    const before = await api('GET', '/v1/dev/clock', { token: op });
    const after = await api('POST', '/v1/dev/clock', { token: op, body: { advanceSeconds: 3600 } });
    expect(Date.parse(after.body.now) - Date.parse(before.body.now)).toBeGreaterThanOrEqual(3600_000);
    expect((await api('POST', '/v1/dev/clock', { token: admin, body: { advanceSeconds: 1 } })).status).toBe(403);
  });
});
