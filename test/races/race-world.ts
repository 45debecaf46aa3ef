import { expect } from 'vitest';
import { generatePfx, type GeneratedPfx } from '../../src/crypto/key-files/index.js';
import { mayHoldPrivateHalf, TAKING_CUSTODY } from '../../src/domain/tenant-key.js';
import { expectStatus, HOUR, type Call } from '../support/api.js';
import type { InProcessCluster } from '../support/in-process.js';
import type { Answer } from '../support/server.js';

/**
 * A world for racing region actions against each other: tenants set up through the API of a
 * cluster of in-process instances, a few RSA keys made once and reused across tenants (a key's
 * thumbprint is unique per tenant only), and the checks every outcome must pass whatever the
 * timing (SPEC L1): it is one a single-threaded server could have produced.
 */
export const PASSWORD = 'race-pfx-password';
const b64 = (bytes: Buffer) => bytes.toString('base64');

export async function makeKeys(count: number): Promise<GeneratedPfx[]> {
  const keys: GeneratedPfx[] = [];
  for (let i = 0; i < count; i++) {
    keys.push(await generatePfx({ keyName: `race ${i}`, tenantName: 'Races', password: PASSWORD, now: new Date(), iterations: 1000 }));
  }
  return keys;
}

export interface RaceTenant {
  id: string;
  admin: string;
  /** The tenant-key environment (applied with the first key), and a provider-key one. */
  cmkEnv: string;
  providerEnv: string;
  T: string;
}

export class RaceWorld {
  readonly op: Call;
  constructor(
    readonly cluster: InProcessCluster,
    readonly keys: GeneratedPfx[],
  ) {
    this.op = cluster.calls[0]!;
  }

  /** Instance `i` (round robin over the cluster: on SQLite every call goes to the one instance). */
  call(i: number): Call {
    return this.cluster.calls[i % this.cluster.calls.length]!;
  }

  get store() {
    return this.cluster.instances[0]!.deps.store;
  }

  get vault() {
    return this.cluster.instances[0]!.deps.vault;
  }

  async tenant(name: string): Promise<RaceTenant> {
    const token = this.cluster.operatorToken;
    const tenant = expectStatus(
      await this.op('POST', '/v1/tenants', { token, body: { name, licensedSeats: 5000, regions: ['eu'], cmkOptIn: true } }),
      201,
    ).body;
    expectStatus(await this.op('POST', `/v1/tenants/${tenant.id}/cmk`, { token, body: { enabled: true } }), 200);
    const admin = expectStatus(
      await this.op('POST', `/v1/tenants/${tenant.id}/users`, {
        token,
        body: { email: `admin@${tenant.id.replaceAll('_', '-')}.example`, roles: [{ role: 'global-admin' }] },
      }),
      201,
    ).body.token as string;
    const T = `/v1/tenants/${tenant.id}`;
    const env = async (envName: string) => {
      const id = expectStatus(
        await this.op('POST', `${T}/environments`, { token: admin, body: { name: envName, region: 'eu', type: 'sandbox' } }),
        201,
      ).body.id as string;
      expectStatus(
        await this.op('POST', `/v1/environments/${id}/tables`, { token: admin, body: { name: 'notes', columns: [{ name: 'body', type: 'text' }] } }),
        201,
      );
      expectStatus(await this.op('POST', `/v1/environments/${id}/tables/notes/rows`, { token: admin, body: { body: `secret of ${envName}` } }), 201);
      return id;
    };
    return { id: tenant.id, admin, cmkEnv: await env('CMK'), providerEnv: await env('Provider'), T };
  }

  upload(t: RaceTenant, key: GeneratedPfx, name: string, via = 0): Promise<Answer> {
    return this.call(via)('POST', `${t.T}/keys/upload`, {
      token: t.admin,
      body: { region: 'eu', name, format: 'pfx', file: b64(key.pfx), password: PASSWORD, acknowledgeRisk: true },
    });
  }

  async challenge(t: RaceTenant): Promise<string> {
    return expectStatus(await this.op('GET', `${t.T}/lock-challenge?region=eu`, { token: t.admin }), 200).body.text as string;
  }

  lock(t: RaceTenant, key: GeneratedPfx, confirmation: string, via = 0): Promise<Answer> {
    return this.call(via)('POST', `${t.T}/lock`, {
      token: t.admin,
      body: { region: 'eu', file: b64(key.pfx), password: PASSWORD, confirmation },
    });
  }

  unlockKey(t: RaceTenant, keyId: string, key: GeneratedPfx, via = 0): Promise<Answer> {
    return this.call(via)('POST', `${t.T}/keys/${keyId}/unlock`, { token: t.admin, body: { file: b64(key.pfx), password: PASSWORD } });
  }

  apply(t: RaceTenant, envId: string, via = 0): Promise<Answer> {
    return this.call(via)('POST', `/v1/environments/${envId}/encryption/apply-tenant-key`, { token: t.admin, body: { acknowledgeDowntime: true } });
  }

  activate(t: RaceTenant, keyId: string, via = 0): Promise<Answer> {
    return this.call(via)('POST', `${t.T}/keys/${keyId}/activate`, { token: t.admin, body: { acknowledgeRisk: true } });
  }

  unlockEnvironment(t: RaceTenant, envId: string, via = 0): Promise<Answer> {
    return this.call(via)('POST', `/v1/environments/${envId}/encryption/unlock`, { token: t.admin, body: {} });
  }

  async advanceHours(hours: number): Promise<void> {
    expectStatus(await this.op('POST', '/v1/dev/clock', { token: this.cluster.operatorToken, body: { advanceSeconds: hours * HOUR } }), 200);
  }

  /** Until no operation of the tenant runs (the runners of every instance work them). */
  async settle(tenantId: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.store.operations.listRunning(tenantId)).length > 0) {
      if (Date.now() > deadline)
        throw new Error(`operations of ${tenantId} still running: ${JSON.stringify(await this.store.operations.listRunning(tenantId))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async keyIdByThumbprint(t: RaceTenant, key: GeneratedPfx): Promise<string> {
    return (await this.store.keys.findByThumbprint(t.id, key.thumbprint))!.id;
  }

  /** A tenant with key 0 active and applied to its CMK environment, key 1 Available, the lock gate open. */
  async lockable(name: string): Promise<RaceTenant> {
    const t = await this.tenant(name);
    expectStatus(await this.upload(t, this.keys[0]!, 'X'), 201);
    await this.settle(t.id);
    expect((await this.apply(t, t.cmkEnv)).status).toBe(202);
    await this.settle(t.id);
    expectStatus(await this.upload(t, this.keys[1]!, 'Y'), 201);
    await this.advanceHours(73);
    return t;
  }

  /** The region's invariants, whatever happened (SPEC L1, L2): see the list. */
  async checkInvariants(t: RaceTenant): Promise<void> {
    const keys = await this.store.keys.listByTenant(t.id, 'eu');
    const where = `tenant ${t.id}: ${JSON.stringify(keys.map((k) => [k.name, k.state]))}`;
    expect(
      keys.filter((k) => k.state === 'Installing' || TAKING_CUSTODY.includes(k.state)),
      `nothing stuck Installing or half taken into custody (${where})`,
    ).toEqual([]);
    expect(keys.filter((k) => k.state === 'Active').length, where).toBeLessThanOrEqual(1);
    const envs = (await this.store.environments.listByRegion(t.id, 'eu')).filter((e) => e.encryption.mode === 'tenant');
    const locked = keys.filter((k) => k.state === 'Locked');
    if (locked.length > 0) {
      expect(
        keys.filter((k) => k.state === 'Active'),
        `a region with a Locked key has no Active key (${where})`,
      ).toEqual([]);
      for (const env of envs) {
        expect(env.encryption.status, `every CMK environment of a locked region is locked (${where})`).toBe('locked');
        expect(locked.map((k) => k.id)).toContain(env.encryption.keyId);
      }
    }
    // Custody: the vault holds a private half exactly for the keys whose state says so.
    const held = new Set(await this.vault.listPrivateKeys());
    for (const key of keys) expect(held.has(key.id), `vault custody of ${key.name} (${key.state}) in ${where}`).toBe(mayHoldPrivateHalf(key.state));
    // Data: readable only while ready and under a key that is Active (or the provider key).
    for (const env of await this.store.environments.listByRegion(t.id, 'eu')) {
      const read = await this.op('GET', `/v1/environments/${env.id}/tables/notes/rows`, { token: t.admin });
      const keyActive = env.encryption.mode === 'provider' || keys.some((k) => k.id === env.encryption.keyId && k.state === 'Active');
      if (read.status === 200) {
        expect(env.encryption.status, where).toBe('ready');
        expect(keyActive, `${env.name} readable while its key is not active (${where})`).toBe(true);
      } else {
        expect([423, 503], JSON.stringify(read.body)).toContain(read.status);
      }
    }
    expect((await this.op('GET', `${t.T}/audit/verify`, { token: t.admin })).body.ok).toBe(true);
  }
}

/** Fires `a` on one instance and `b` on the other `offsetMs` later, and returns both answers. */
export async function race(a: () => Promise<Answer>, b: () => Promise<Answer>, offsetMs: number): Promise<[Answer, Answer]> {
  const first = a();
  await new Promise((r) => setTimeout(r, offsetMs));
  return Promise.all([first, b()]);
}

export const won = (answer: Answer): boolean => answer.status === 201 || answer.status === 202;
