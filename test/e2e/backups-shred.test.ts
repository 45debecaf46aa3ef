import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startServer, type TestServer } from '../support/server.js';
import { advance, expectCode, expectStatus, expectSucceeded, HOUR, type Call } from '../support/api.js';
import { parseEml } from '../mail/parse-eml.js';
import { parseWrappedKey } from '../../src/crypto/envelope.js';
import {
  backup,
  cmkTenant,
  decrypts,
  envFile,
  environment,
  eventually,
  filesOf,
  firstKey,
  lockRegion,
  rowsOf,
  withInspector,
  type Tenant,
} from './backups-world.js';

/**
 * Reset (R18), delete and the 28-day purge (R14) are crypto-shredding: afterwards no file of the
 * environment or its backups is left under the data dir but (for a reset) a new database under a
 * new DEK; the old wrapped DEK is nowhere in the server's files; and nothing the server holds
 * (every DEK a vault rebuilt from the data dir, master key included, can unwrap) opens the old
 * bytes, which the test kept a copy of.
 */
let server: TestServer;
let api: Call;
let op: string;
let t: Tenant;
const scratch = mkdtempSync(join(tmpdir(), 'keyward-shred-'));

beforeAll(async () => {
  server = await startServer({ KEYWARD_PFX_ITERATIONS: '2048' });
  api = client(server.url);
  op = server.operatorToken;
  t = await cmkTenant(api, op, 'Woodgrove', ['eu', 'us'], ['alice', 'bob']);
}, 60_000);
afterAll(async () => {
  await server?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** Copies of every file of the environment as they are now, outside the data dir. */
function keepCopies(envId: string): string[] {
  return filesOf(server.dataDir, envId)
    .filter((p) => p.endsWith('.db'))
    .map((p, i) => {
      const copy = join(scratch, `${envId}-${i}.db`);
      copyFileSync(p, copy);
      return copy;
    });
}

async function wrappedDekOf(envId: string): Promise<string> {
  return withInspector(server.dataDir, async (i) => (await i.store.environments.get(envId))!.wrappedDek);
}

/** The control store's files hold no trace of the old wrapped DEK (secure_delete + checkpoint). */
function expectForgotten(wrappedDek: string): void {
  const payload = Buffer.from(parseWrappedKey(wrappedDek).payload.toString('base64url').slice(0, 40));
  for (const name of readdirSync(server.dataDir).filter((n) => n.startsWith('keyward.db'))) {
    expect(readFileSync(join(server.dataDir, name)).includes(payload), `old wrapped DEK in ${name}`).toBe(false);
  }
}

/** No DEK the server could unwrap today opens any of the kept copies. */
async function expectUnreadable(copies: string[]): Promise<void> {
  expect(copies.length).toBeGreaterThan(0);
  await withInspector(server.dataDir, async (i) => {
    const deks = await i.everyDek();
    expect(deks.length).toBeGreaterThan(0);
    for (const copy of copies) for (const dek of deks) expect(decrypts(copy, dek), copy).toBe(false);
  });
}

describe('reset, delete and purge shred data and backups', () => {
  it('R18: reset shreds the data and every backup and starts a new database under a new DEK on the provider key', async () => {
    const euKey = await firstKey(api, t, 'eu');
    const id = await environment(api, t, 'To reset', ['r-1', 'r-2'], { tenantKey: true });
    await backup(api, t.admin, id, 'one');
    await backup(api, t.admin, id, 'two');
    const oldWrapped = await wrappedDekOf(id);
    const copies = keepCopies(id);
    expect(copies).toHaveLength(3);

    await expectSucceeded(api, t.admin, await api('POST', `/v1/environments/${id}/reset`, { token: t.admin, body: {} }));
    expect((await api('GET', `/v1/environments/${id}`, { token: t.admin })).body.encryption).toEqual({
      mode: 'provider',
      keyId: null,
      status: 'ready',
    });
    expectCode(await api('GET', `/v1/environments/${id}/tables/notes/rows`, { token: t.admin }), 404, 'NOT_FOUND');
    expect(expectStatus(await api('GET', `/v1/environments/${id}/backups`, { token: t.admin }), 200).body.items).toEqual([]);

    // On disk: no backup left, one database that is a new file under a new DEK.
    expect(filesOf(server.dataDir, id).filter((p) => !/-(wal|shm)$/.test(p))).toEqual([envFile(server.dataDir, id)]);
    const newWrapped = await wrappedDekOf(id);
    expect(newWrapped).not.toBe(oldWrapped);
    expect(parseWrappedKey(newWrapped).alg).toBe('A256GCM');
    await withInspector(server.dataDir, async (i) => {
      const record = (await i.store.environments.get(id))!;
      const dek = (await i.dekOf(record))!;
      expect(decrypts(envFile(server.dataDir, id), dek)).toBe(true);
      // The old wrapped DEK, which only this test kept, still unwraps under the tenant key (the
      // reset did not touch the key): that DEK does not open the new file.
      const oldDek = (await i.dekOf({ ...record, wrappedDek: oldWrapped, encryption: { ...record.encryption, keyId: euKey.id } }))!;
      expect(oldDek.equals(dek)).toBe(false);
      expect(decrypts(envFile(server.dataDir, id), oldDek)).toBe(false);
    });
    expectForgotten(oldWrapped);
    await expectUnreadable(copies);

    // The fresh environment works, and may take the tenant key again (no file columns).
    expectStatus(
      await api('POST', `/v1/environments/${id}/tables`, { token: t.admin, body: { name: 'notes', columns: [{ name: 'body', type: 'text' }] } }),
      201,
    );
    expectStatus(await api('POST', `/v1/environments/${id}/tables/notes/rows`, { token: t.admin, body: { body: 'fresh' } }), 201);
    expect(await rowsOf(api, t.admin, id)).toEqual(['fresh']);
  });

  it('delete: 204, gone from routes and lists, its files and backups removed, its wrapped DEK erased', async () => {
    const id = await environment(api, t, 'To delete', ['d-1']);
    await backup(api, t.admin, id);
    const oldWrapped = await wrappedDekOf(id);
    const copies = keepCopies(id);
    expectStatus(await api('DELETE', `/v1/environments/${id}`, { token: t.admin }), 204);
    expectCode(await api('GET', `/v1/environments/${id}`, { token: t.admin }), 404, 'NOT_FOUND');
    expectCode(await api('GET', `/v1/environments/${id}/backups`, { token: t.admin }), 404, 'NOT_FOUND');
    expect((await api('GET', `${t.T}/environments`, { token: t.admin })).body.items.map((e: { id: string }) => e.id)).not.toContain(id);
    expect(filesOf(server.dataDir, id)).toEqual([]);
    await withInspector(server.dataDir, async (i) => {
      const record = (await i.store.environments.get(id))!;
      expect(record.wrappedDek).toBe('');
      expect(await i.store.backups.listByEnvironment(id)).toEqual([]);
    });
    expectForgotten(oldWrapped);
    await expectUnreadable(copies);
  });

  it('R14: an environment still locked 28 days after its lock is purged, audited, and its admins told', async () => {
    const { pfx } = await firstKey(api, t, 'us');
    const id = await environment(api, t, 'Left locked', ['u-1'], { region: 'us', tenantKey: true });
    await backup(api, t.admin, id);
    const copies = keepCopies(id);
    await lockRegion(api, op, t, 'us', pfx);
    expect((await api('GET', `/v1/environments/${id}`, { token: t.admin })).body.encryption.status).toBe('locked');

    // One hour before the 28 days are up: still there (the scheduler checks every 2 s).
    await advance(api, op, 28 * 24 * HOUR - HOUR);
    await new Promise((r) => setTimeout(r, 4_000));
    expect((await api('GET', `/v1/environments/${id}`, { token: t.admin })).status).toBe(200);

    await advance(api, op, 2 * HOUR);
    await eventually(async () => expectCode(await api('GET', `/v1/environments/${id}`, { token: t.admin }), 404, 'NOT_FOUND'));
    expect((await api('GET', `${t.T}/environments`, { token: t.admin })).body.items.map((e: { id: string }) => e.id)).not.toContain(id);
    expect(filesOf(server.dataDir, id)).toEqual([]);
    expect(readdirSync(join(server.dataDir, 'backups'))).not.toContain(id);
    expect(await wrappedDekOf(id)).toBe('');
    await expectUnreadable(copies);

    const audit = (await api('GET', `${t.T}/audit?limit=1000`, { token: t.admin })).body.items as {
      action: string;
      target: string;
      actor: string;
      outcome: string;
    }[];
    const purges = audit.filter((e) => e.action === 'environment.purge' && e.target === `environment:${id}`);
    expect(purges).toEqual([expect.objectContaining({ actor: 'keyward', outcome: 'succeeded' })]);

    // No SMTP server configured: the message lands in the outbox, addressed to both admins.
    await eventually(() => {
      const outbox = join(server.dataDir, 'outbox');
      const mails = readdirSync(outbox)
        .filter((n) => n.endsWith('.eml'))
        .map((n) => parseEml(readFileSync(join(outbox, n), 'utf8')));
      const purge = mails.filter((m) => /purged/.test(m.header('subject') ?? ''));
      expect(purge).toHaveLength(1);
      expect(purge[0]!.header('to')).toMatch(/alice@woodgrove\.example/);
      expect(purge[0]!.header('to')).toMatch(/bob@woodgrove\.example/);
      expect(purge[0]!.text).toContain('Left locked');
    });
    // R9 no longer holds the tenant back: nothing of it is locked now.
    expectStatus(
      await api('POST', `${t.T}/keys/generate`, {
        token: t.admin,
        body: { region: 'eu', name: 'After the purge', password: 'password-3', acknowledgeRisk: true },
      }),
      201,
    );
  });
});
