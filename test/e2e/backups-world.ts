import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { advance, expectStatus, expectSucceeded, HOUR, type Call } from '../support/api.js';
import { CHOSEN_CIPHER, openHandle } from '../../src/adapters/dataplane/cipher-settings.js';
import { openStore } from '../../src/adapters/store/open-store.js';
import { loadOrCreateMasterKey } from '../../src/adapters/vault/master-key.js';
import { SoftwareVault } from '../../src/adapters/vault/software-vault.js';
import { unwrapDek } from '../../src/crypto/envelope.js';
import type { Environment } from '../../src/domain/environment.js';
import type { Store } from '../../src/ports/store.js';

/**
 * What the backup end-to-end tests share: a CMK tenant made over HTTP, environments with a
 * `notes` table, keys and locks; and an inspector that rebuilds, from what the server keeps
 * on disk (control store, master key), everything it could use to decrypt, so a test can say
 * "nothing the server holds opens this file".
 */
export const PASSWORD = 'backup-story-password';

export interface Tenant {
  id: string;
  T: string;
  /** A global admin's token. */
  admin: string;
}

export async function cmkTenant(api: Call, op: string, name: string, regions: string[], admins: string[] = ['alice']): Promise<Tenant> {
  const tenant = expectStatus(
    await api('POST', '/v1/tenants', { token: op, body: { name, licensedSeats: 5000, regions, cmkOptIn: true } }),
    201,
  ).body;
  expectStatus(await api('POST', `/v1/tenants/${tenant.id}/cmk`, { token: op, body: { enabled: true } }), 200);
  const tokens: string[] = [];
  for (const who of admins) {
    const user = await api('POST', `/v1/tenants/${tenant.id}/users`, {
      token: op,
      body: { email: `${who}@${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.example`, roles: [{ role: 'global-admin' }] },
    });
    tokens.push(expectStatus(user, 201).body.token);
  }
  return { id: tenant.id, T: `/v1/tenants/${tenant.id}`, admin: tokens[0]! };
}

/** Generates the region's first key (activated at once, R6); returns its record and .pfx. */
export async function firstKey(api: Call, t: Tenant, region: string): Promise<{ id: string; pfx: string }> {
  const made = expectStatus(
    await api('POST', `${t.T}/keys/generate`, { token: t.admin, body: { region, name: `Key ${region}`, password: PASSWORD, acknowledgeRisk: true } }),
    201,
  ).body;
  await expectSucceeded(api, t.admin, { status: 202, body: { operation: made.operation }, headers: new Headers() });
  return { id: made.key.id, pfx: made.pfx };
}

export async function environment(
  api: Call,
  t: Tenant,
  name: string,
  rows: string[],
  options: { region?: string; type?: string; tenantKey?: boolean } = {},
): Promise<string> {
  const env = expectStatus(
    await api('POST', `${t.T}/environments`, { token: t.admin, body: { name, region: options.region ?? 'eu', type: options.type ?? 'sandbox' } }),
    201,
  ).body;
  expectStatus(
    await api('POST', `/v1/environments/${env.id}/tables`, { token: t.admin, body: { name: 'notes', columns: [{ name: 'body', type: 'text' }] } }),
    201,
  );
  for (const body of rows) expectStatus(await api('POST', `/v1/environments/${env.id}/tables/notes/rows`, { token: t.admin, body: { body } }), 201);
  if (options.tenantKey) await applyTenantKey(api, t, env.id);
  return env.id;
}

export async function applyTenantKey(api: Call, t: Tenant, envId: string): Promise<void> {
  await expectSucceeded(
    api,
    t.admin,
    await api('POST', `/v1/environments/${envId}/encryption/apply-tenant-key`, { token: t.admin, body: { acknowledgeDowntime: true } }),
  );
}

/** R13: 73 h after the last key change, the active key's .pfx locks the region. */
export async function lockRegion(api: Call, op: string, t: Tenant, region: string, pfx: string): Promise<void> {
  await advance(api, op, 73 * HOUR);
  const challenge = expectStatus(await api('GET', `${t.T}/lock-challenge?region=${region}`, { token: t.admin }), 200).body.text;
  await expectSucceeded(
    api,
    t.admin,
    await api('POST', `${t.T}/lock`, { token: t.admin, body: { region, file: pfx, password: PASSWORD, confirmation: challenge } }),
  );
}

export async function rowsOf(api: Call, token: string, envId: string): Promise<string[]> {
  const items = expectStatus(await api('GET', `/v1/environments/${envId}/tables/notes/rows?limit=1000`, { token }), 200).body.items as {
    body: string;
  }[];
  return items.map((r) => r.body).sort();
}

export async function backup(
  api: Call,
  token: string,
  envId: string,
  label?: string,
): Promise<{ id: string; environmentId: string; label: string | null; createdAt: string; sizeBytes: number }> {
  return expectStatus(await api('POST', `/v1/environments/${envId}/backups`, { token, body: label === undefined ? {} : { label } }), 201).body;
}

export const envFile = (dataDir: string, envId: string): string => join(dataDir, 'environments', `${envId}.db`);
export const backupDir = (dataDir: string, envId: string): string => join(dataDir, 'backups', envId);

/** Every file of an environment under the data dir: its database, side files, backups. */
export function filesOf(dataDir: string, envId: string): string[] {
  const envs = readdirSync(join(dataDir, 'environments'))
    .filter((n) => n.startsWith(`${envId}.`))
    .map((n) => join(dataDir, 'environments', n));
  let backups: string[] = [];
  try {
    backups = readdirSync(backupDir(dataDir, envId)).map((n) => join(backupDir(dataDir, envId), n));
  } catch {
    // no backup directory
  }
  return [...envs, ...backups];
}

/** The `notes` bodies of an encrypted file opened with `dek`; throws when the DEK does not open it. */
export function readWith(path: string, dek: Buffer): string[] {
  const db = openHandle(path, CHOSEN_CIPHER, dek, { cacheKiB: 256 });
  try {
    db.pragma('query_only = ON');
    return (db.prepare('SELECT body FROM notes').pluck().all() as string[]).sort();
  } finally {
    db.close();
  }
}

/** Whether `dek` decrypts the file at all (any schema, an empty database too). */
export function decrypts(path: string, dek: Buffer): boolean {
  try {
    openHandle(path, CHOSEN_CIPHER, dek, { cacheKiB: 256 }).close();
    return true;
  } catch {
    return false;
  }
}

export const opens = (path: string, dek: Buffer): boolean => {
  try {
    readWith(path, dek);
    return true;
  } catch {
    return false;
  }
};

/**
 * The control store and a software vault rebuilt from the data dir (master key included):
 * what the server itself could unwrap. Open it briefly; the server keeps running meanwhile.
 */
export async function withInspector<T>(
  dataDir: string,
  work: (i: { store: Store; dekOf(env: Environment): Promise<Buffer | undefined>; everyDek(): Promise<Buffer[]> }) => Promise<T>,
): Promise<T> {
  const store = await openStore({ kind: 'sqlite', file: join(dataDir, 'keyward.db') });
  try {
    const vault = new SoftwareVault(loadOrCreateMasterKey(join(dataDir, 'master.key'), false).key, store.vaultObjects, () => 'unused');
    await vault.init();
    const dekOf = (env: Environment) => unwrapDek(vault, env.wrappedDek, env.id, env.encryption.keyId).catch(() => undefined);
    const everyDek = async () => {
      const deks: Buffer[] = [];
      for (const tenant of await store.tenants.list()) {
        for (const env of await store.environments.listByTenant(tenant.id)) {
          const dek = await dekOf(env);
          if (dek) deks.push(dek);
        }
      }
      return deks;
    };
    return await work({ store, dekOf, everyDek });
  } finally {
    await store.close();
  }
}

/** Polls an assertion on real time (background work runs on real time, not the dev clock). */
export async function eventually(check: () => Promise<unknown> | void, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export const expectNoPlaintext = (bytes: Buffer, markers: string[]): void => {
  for (const m of markers) expect(bytes.includes(Buffer.from(m)), `plaintext "${m}"`).toBe(false);
};
