import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHOSEN_CIPHER, opensWithKey } from '../../src/adapters/dataplane/cipher-settings.js';
import { openStore } from '../../src/adapters/store/open-store.js';
import { SoftwareVault } from '../../src/adapters/vault/software-vault.js';
import { unwrapDek } from '../../src/crypto/envelope.js';
import { generatePfx } from '../../src/crypto/key-files/index.js';
import { expectCode, expectStatus, expectSucceeded, HOUR, type Call } from '../support/api.js';
import { startInProcess, type InProcessCluster } from '../support/in-process.js';
import { parseEml } from '../mail/parse-eml.js';

/**
 * Crypto-shredding against what operators keep (SPEC L4, L5): copies of the whole data dir.
 *
 * The master key lives outside the data dir here (KEYWARD_MASTER_KEY_FILE), as the README asks
 * when backups of the data dir are kept. A copy taken before an environment moves to the tenant
 * key, and one taken after it but before the lock (which rotates the master key), are kept with
 * the master key of their time; then apply, write, back up, lock. Nothing in the first copy opens
 * the current database or its backup (a fresh DEK at apply); nothing in the second opens anything
 * with the master key in use now (the lock rotated it). What the software vault cannot promise is
 * shown too: the second copy *with its own master key* still holds the tenant key (an HSM does
 * not have that weakness: the key never leaves the token).
 */
const PASSWORD = 'copies-pfx-password';
const b64 = (bytes: Buffer) => bytes.toString('base64');

interface Copy {
  dataDir: string;
  masterKey: Buffer;
}

describe('shredding that survives copies of the data dir', () => {
  let cluster: InProcessCluster;
  let api: Call;
  const keyDir = mkdtempSync(join(tmpdir(), 'keyward-master-'));
  const masterKeyFile = join(keyDir, 'master.key');
  const copies: Record<'beforeApply' | 'afterApply', Copy> = {} as never;
  let envId = '';
  let tenantId = '';

  beforeAll(async () => {
    writeFileSync(masterKeyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    cluster = await startInProcess({ store: 'sqlite', env: { KEYWARD_MASTER_KEY_FILE: masterKeyFile } });
    api = cluster.calls[0]!;
  }, 60_000);
  afterAll(() => cluster?.close());

  const snapshot = (): Copy => {
    const dataDir = mkdtempSync(join(tmpdir(), 'keyward-copy-'));
    // SQLite in WAL mode: copy the -wal with the database, as a file-level backup would.
    cpSync(cluster.dataDir, dataDir, { recursive: true });
    return { dataDir, masterKey: Buffer.from(readFileSync(masterKeyFile, 'utf8').trim(), 'hex') };
  };

  /** The copy's software vault, rebuilt from its files with a given master key (throws if it does not open). */
  const vaultOf = async (copy: Copy, masterKey: Buffer) => {
    const store = await openStore({ kind: 'sqlite', file: join(copy.dataDir, 'keyward.db') });
    const vault = new SoftwareVault(Buffer.from(masterKey), store.vaultObjects, () => 'unused');
    try {
      await vault.init();
      return { store, vault };
    } catch (error) {
      await store.close();
      throw error;
    }
  };

  const liveFiles = () => {
    const backups = join(cluster.dataDir, 'backups', envId);
    return [join(cluster.dataDir, 'environments', `${envId}.db`), ...readdirSync(backups).map((f) => join(backups, f))];
  };

  it('plays apply, write, backup and lock between two copies', { timeout: 120_000 }, async () => {
    const op = cluster.operatorToken;
    const tenant = expectStatus(
      await api('POST', '/v1/tenants', { token: op, body: { name: 'Copies', licensedSeats: 5000, regions: ['eu'], cmkOptIn: true } }),
      201,
    ).body;
    tenantId = tenant.id;
    expectStatus(await api('POST', `/v1/tenants/${tenant.id}/cmk`, { token: op, body: { enabled: true } }), 200);
    const admin = expectStatus(
      await api('POST', `/v1/tenants/${tenant.id}/users`, { token: op, body: { email: 'admin@copies.example', roles: [{ role: 'global-admin' }] } }),
      201,
    ).body.token;
    const T = `/v1/tenants/${tenant.id}`;
    envId = expectStatus(await api('POST', `${T}/environments`, { token: admin, body: { name: 'Sales', region: 'eu', type: 'sandbox' } }), 201).body
      .id;
    expectStatus(
      await api('POST', `/v1/environments/${envId}/tables`, { token: admin, body: { name: 'notes', columns: [{ name: 'body', type: 'text' }] } }),
      201,
    );
    expectStatus(await api('POST', `/v1/environments/${envId}/tables/notes/rows`, { token: admin, body: { body: 'before the tenant key' } }), 201);
    const key = await generatePfx({ keyName: 'K', tenantName: 'Copies', password: PASSWORD, now: new Date(), iterations: 1000 });
    const upload = expectStatus(
      await api('POST', `${T}/keys/upload`, {
        token: admin,
        body: { region: 'eu', name: 'K', format: 'pfx', file: b64(key.pfx), password: PASSWORD, acknowledgeRisk: true },
      }),
      201,
    ).body;
    await expectSucceeded(api, admin, { status: 202, body: { operation: upload.operation }, headers: new Headers() });

    copies.beforeApply = snapshot();
    await expectSucceeded(
      api,
      admin,
      await api('POST', `/v1/environments/${envId}/encryption/apply-tenant-key`, { token: admin, body: { acknowledgeDowntime: true } }),
    );
    expectStatus(await api('POST', `/v1/environments/${envId}/tables/notes/rows`, { token: admin, body: { body: 'under the tenant key' } }), 201);
    expectStatus(await api('POST', `/v1/environments/${envId}/backups`, { token: admin, body: { label: 'after apply' } }), 201);
    copies.afterApply = snapshot();

    expectStatus(await api('POST', '/v1/dev/clock', { token: op, body: { advanceSeconds: 73 * HOUR } }), 200);
    const challenge = expectStatus(await api('GET', `${T}/lock-challenge?region=eu`, { token: admin }), 200).body.text;
    const lock = await expectSucceeded(
      api,
      admin,
      await api('POST', `${T}/lock`, { token: admin, body: { region: 'eu', file: b64(key.pfx), password: PASSWORD, confirmation: challenge } }),
    );
    expect(lock.result.masterKey).toMatch(/^rotated/);
    expectCode(await api('GET', `/v1/environments/${envId}/tables/notes/rows`, { token: admin }), 423, 'ENVIRONMENT_LOCKED');
  });

  it('nothing in the copy from before apply, with its master key, opens the database or the backup now', async () => {
    const { store, vault } = await vaultOf(copies.beforeApply, copies.beforeApply.masterKey);
    try {
      const old = (await store.environments.get(envId))!;
      expect(old.encryption.mode).toBe('provider');
      const dek = await unwrapDek(vault, old.wrappedDek, envId, null);
      // The DEK of that time opens the copy's own file, so the check can fail...
      expect(opensWithKey(join(copies.beforeApply.dataDir, 'environments', `${envId}.db`), CHOSEN_CIPHER, dek)).toBe(true);
      // ...but not the database, nor the backup, as they are now: apply gave them a fresh DEK.
      for (const file of liveFiles()) expect(opensWithKey(file, CHOSEN_CIPHER, dek), file).toBe(false);
    } finally {
      await store.close();
    }
  });

  it('nothing in the copy from after apply opens with the master key in use now (the lock rotated it)', async () => {
    const current = Buffer.from(readFileSync(masterKeyFile, 'utf8').trim(), 'hex');
    expect(current.equals(copies.afterApply.masterKey)).toBe(false);
    await expect(vaultOf(copies.afterApply, current)).rejects.toThrow(/master key/);
    await expect(vaultOf(copies.beforeApply, current)).rejects.toThrow(/master key/);
    // And the store in use holds no private key of the tenant any more, under any master key.
    const live = new Database(join(cluster.dataDir, 'keyward.db'), { readonly: true });
    try {
      expect(live.prepare("select count(*) as n from vault_objects where kind = 'private-key'").get()).toEqual({ n: 0 });
    } finally {
      live.close();
    }
  });

  it('what the software vault cannot promise: that copy with its own master key still opens the data', async () => {
    const { store, vault } = await vaultOf(copies.afterApply, copies.afterApply.masterKey);
    try {
      const copied = (await store.environments.get(envId))!;
      const dek = await unwrapDek(vault, copied.wrappedDek, envId, copied.encryption.keyId);
      expect(opensWithKey(liveFiles()[0]!, CHOSEN_CIPHER, dek)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('a rewritten audit history fails verification against the anchor of the last key-change e-mail', async () => {
    const outbox = join(cluster.dataDir, 'outbox');
    const mails = readdirSync(outbox)
      .filter((f) => f.endsWith('.eml'))
      .map((f) => parseEml(readFileSync(join(outbox, f), 'utf8')))
      .filter((m) => (m.header('subject') ?? '').includes('tenant locked'));
    const anchor = /Audit log anchor: entry (\d+), hash ([0-9a-f]{64})/.exec(mails.at(-1)!.text)!;
    const verify = (query = '') =>
      cluster.instances[0]!.app.inject({
        method: 'GET',
        url: `/v1/tenants/${tenantId}/audit/verify${query}`,
        headers: { authorization: `Bearer ${cluster.operatorToken}` },
      });
    const withAnchor = `?anchorSeq=${anchor[1]}&anchorHash=${anchor[2]}`;
    expect((await verify(withAnchor)).json()).toMatchObject({ ok: true });
    // Whoever can write the store cuts the lock and what followed off the end, head included:
    // what is left is a valid prefix of the chain, so only the anchor outside the store shows it.
    const db = new Database(join(cluster.dataDir, 'keyward.db'));
    try {
      const lockSeq = (
        db.prepare("select min(seq) as s from audit_log where tenant_id = ? and action = 'tenant.lock'").get(tenantId) as { s: number }
      ).s;
      const kept = db.prepare('select seq, hash from audit_log where tenant_id = ? and seq = ?').get(tenantId, lockSeq - 1) as {
        seq: number;
        hash: string;
      };
      db.prepare('delete from audit_log where tenant_id = ? and seq >= ?').run(tenantId, lockSeq);
      db.prepare('update audit_heads set seq = ?, hash = ? where tenant_id = ?').run(kept.seq, kept.hash, tenantId);
    } finally {
      db.close();
    }
    expect((await verify()).json()).toMatchObject({ ok: true });
    expect((await verify(withAnchor)).json()).toMatchObject({ ok: false, brokenAtSeq: Number(anchor[1]) });
  });
});
