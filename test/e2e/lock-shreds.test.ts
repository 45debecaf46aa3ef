import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startServer, type TestServer } from '../support/server.js';
import { advance, expectCode, expectStatus, expectSucceeded, HOUR, type Call } from '../support/api.js';
import { openStore } from '../../src/adapters/store/open-store.js';
import { SoftwareVault } from '../../src/adapters/vault/software-vault.js';
import { loadOrCreateMasterKey } from '../../src/adapters/vault/master-key.js';
import { unwrapDek } from '../../src/crypto/envelope.js';

/**
 * A lock is crypto-shredding, not a flag: afterwards no file under the data dir holds the
 * destroyed keys (not even the WAL), no open handle keeps a DEK in memory, and a vault rebuilt
 * from everything on disk (master key included) cannot unwrap the locked environments' DEKs.
 */
let server: TestServer;
let api: Call;
beforeAll(async () => {
  server = await startServer({ KEYWARD_PFX_ITERATIONS: '2048' });
  api = client(server.url);
});
afterAll(async () => {
  await server?.stop();
});

function presentBytes(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

function sealedPrivateKeys(dataDir: string): Map<string, string> {
  const db = new Database(join(dataDir, 'keyward.db'), { readonly: true });
  try {
    const rows = db.prepare("select handle, sealed from vault_objects where kind = 'private-key'").all() as { handle: string; sealed: string }[];
    return new Map(rows.map((r) => [r.handle, r.sealed]));
  } finally {
    db.close();
  }
}

const openDatabases = async (): Promise<number> => {
  const text = (await api('GET', '/metrics', { token: server.operatorToken })).body as string;
  return Number(/^keyward_open_environment_databases (\d+)/m.exec(text)?.[1]);
};

describe('a lock shreds the keys', () => {
  it('leaves nothing on disk or in memory that can decrypt the locked environments', { timeout: 120_000 }, async () => {
    const op = server.operatorToken;
    const tenant = expectStatus(
      await api('POST', '/v1/tenants', { token: op, body: { name: 'Shred', licensedSeats: 2000, regions: ['eu'], cmkOptIn: true } }),
      201,
    ).body;
    await api('POST', `/v1/tenants/${tenant.id}/cmk`, { token: op, body: { enabled: true } });
    const admin = (
      await api('POST', `/v1/tenants/${tenant.id}/users`, { token: op, body: { email: 'a@shred.example', roles: [{ role: 'global-admin' }] } })
    ).body.token;
    const T = `/v1/tenants/${tenant.id}`;
    const active = expectStatus(
      await api('POST', `${T}/keys/generate`, {
        token: admin,
        body: { region: 'eu', name: 'Active', password: 'password-1', acknowledgeRisk: true },
      }),
      201,
    ).body;
    await expectSucceeded(api, admin, { status: 202, body: { operation: active.operation }, headers: new Headers() });
    const spare = expectStatus(
      await api('POST', `${T}/keys/generate`, { token: admin, body: { region: 'eu', name: 'Spare', password: 'password-2', acknowledgeRisk: true } }),
      201,
    ).body;
    const envIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const env = (await api('POST', `${T}/environments`, { token: admin, body: { name: `E${i}`, region: 'eu', type: 'sandbox' } })).body;
      await api('POST', `/v1/environments/${env.id}/tables`, { token: admin, body: { name: 't', columns: [{ name: 'v', type: 'text' }] } });
      await expectSucceeded(
        api,
        admin,
        await api('POST', `/v1/environments/${env.id}/encryption/apply-tenant-key`, { token: admin, body: { acknowledgeDowntime: true } }),
      );
      expectStatus(await api('POST', `/v1/environments/${env.id}/tables/t/rows`, { token: admin, body: { v: 'secret' } }), 201);
      envIds.push(env.id);
    }
    expect(await openDatabases()).toBe(3);
    const sealed = sealedPrivateKeys(server.dataDir);
    expect([...sealed.keys()]).toEqual(expect.arrayContaining([active.key.id, spare.key.id]));

    await advance(api, op, 73 * HOUR);
    const challenge = (await api('GET', `${T}/lock-challenge?region=eu`, { token: admin })).body.text;
    await expectSucceeded(
      api,
      admin,
      await api('POST', `${T}/lock`, { token: admin, body: { region: 'eu', file: active.pfx, password: 'password-1', confirmation: challenge } }),
    );
    for (const id of envIds) expectCode(await api('GET', `/v1/environments/${id}/tables/t/rows`, { token: op }), 423, 'ENVIRONMENT_LOCKED');
    expect(await openDatabases()).toBe(0);

    // No file under the data dir holds either sealed private key any more, WAL included.
    expect(sealedPrivateKeys(server.dataDir).size).toBe(0);
    for (const file of filesUnder(server.dataDir)) {
      // The outbox renames its temporary files while we look: one that is gone was renamed.
      const bytes = presentBytes(file);
      if (bytes === undefined || bytes.length === 0) continue;
      for (const [id, value] of [
        [active.key.id, sealed.get(active.key.id)!],
        [spare.key.id, sealed.get(spare.key.id)!],
      ]) {
        expect(bytes.includes(Buffer.from(value.slice(0, 48))), `sealed key ${id} found in ${file}`).toBe(false);
      }
    }

    // Everything on disk, master key included, cannot unwrap the locked environments' DEKs.
    await server.stop();
    const store = await openStore({ kind: 'sqlite', file: join(server.dataDir, 'keyward.db') });
    try {
      const vault = new SoftwareVault(loadOrCreateMasterKey(join(server.dataDir, 'master.key'), false).key, store.vaultObjects, () => 'unused');
      await vault.init();
      for (const id of envIds) {
        const env = (await store.environments.get(id))!;
        expect(env.encryption.status).toBe('locked');
        await expect(unwrapDek(vault, env.wrappedDek, env.id, env.encryption.keyId)).rejects.toMatchObject({ code: 'INTERNAL' });
      }
    } finally {
      await store.close();
    }
  });
});
