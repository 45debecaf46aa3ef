import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { generatePfx, type GeneratedPfx } from '../../src/crypto/key-files/index.js';
import { mayHoldPrivateHalf } from '../../src/domain/tenant-key.js';
import { expectStatus, expectSucceeded, HOUR, type Call } from '../support/api.js';
import type { InProcessCluster } from '../support/in-process.js';
import type { SoftHsmToken } from '../support/softhsm.js';
import { opensslByok } from '../key-files/byok-fixtures.js';
import { OpenSslWorkspace } from '../key-files/openssl-workspace.js';

/**
 * SPEC L4: a lock destroys every private key of the region, whatever state it is in, and the
 * region's key-exchange keys; the vault's own search finds none afterwards. The two states the
 * issue found surviving a lock are played: an activation the runner gave up on (its key Failed,
 * some environments already under it) and a BYOK import (its key-exchange key). Then the vault is
 * listed: the software vault's table as it is on disk, or the token by OpenSC's pkcs11-tool.
 */
const run = promisify(execFile);
const PASSWORD = 'no-key-left-password';
const b64 = (bytes: Buffer) => bytes.toString('base64');

export async function vaultHandles(cluster: InProcessCluster, token: SoftHsmToken | undefined): Promise<string[]> {
  if (token === undefined) return cluster.instances[0]!.deps.vault.listPrivateKeys();
  const { stdout } = await run(
    'pkcs11-tool',
    ['--module', token.modulePath, '--token-label', token.tokenLabel, '--login', '--pin', token.pin, '--list-objects', '--type', 'privkey'],
    { env: { ...process.env, SOFTHSM2_CONF: token.confPath } },
  );
  return [...stdout.matchAll(/^\s*ID:\s*([0-9a-f]+)\s*$/gm)].map((m) => Buffer.from(m[1]!, 'hex').toString('utf8'));
}

export function lockLeavesNoKey(start: () => Promise<{ cluster: InProcessCluster; token: SoftHsmToken | undefined }>): void {
  it('after a given-up activation and a BYOK import, a lock leaves no private key of the region in the vault', { timeout: 180_000 }, async () => {
    const { cluster, token } = await start();
    const api: Call = cluster.calls[0]!;
    const deps = cluster.instances[0]!.deps;
    const op = cluster.operatorToken;
    const ws = new OpenSslWorkspace();
    const tenant = expectStatus(
      await api('POST', '/v1/tenants', { token: op, body: { name: 'Leftovers', licensedSeats: 5000, regions: ['eu'], cmkOptIn: true } }),
      201,
    ).body;
    expectStatus(await api('POST', `/v1/tenants/${tenant.id}/cmk`, { token: op, body: { enabled: true } }), 200);
    const admin = expectStatus(
      await api('POST', `/v1/tenants/${tenant.id}/users`, {
        token: op,
        body: { email: 'admin@leftovers.example', roles: [{ role: 'global-admin' }] },
      }),
      201,
    ).body.token;
    const T = `/v1/tenants/${tenant.id}`;
    const pfx = (name: string): Promise<GeneratedPfx> =>
      generatePfx({ keyName: name, tenantName: 'Leftovers', password: PASSWORD, now: new Date(), iterations: 1000 });
    const upload = async (key: GeneratedPfx, name: string) =>
      expectStatus(
        await api('POST', `${T}/keys/upload`, {
          token: admin,
          body: { region: 'eu', name, format: 'pfx', file: b64(key.pfx), password: PASSWORD, acknowledgeRisk: true },
        }),
        201,
      ).body;
    const envs: string[] = [];
    for (const name of ['A', 'B']) {
      const id = expectStatus(await api('POST', `${T}/environments`, { token: admin, body: { name, region: 'eu', type: 'sandbox' } }), 201).body
        .id as string;
      envs.push(id);
    }
    const first = await pfx('First');
    const firstKey = await upload(first, 'First');
    await expectSucceeded(api, admin, { status: 202, body: { operation: firstKey.operation }, headers: new Headers() });
    for (const id of envs)
      await expectSucceeded(
        api,
        admin,
        await api('POST', `/v1/environments/${id}/encryption/apply-tenant-key`, { token: admin, body: { acknowledgeDowntime: true } }),
      );

    // An activation that gives up: one environment's DEK is unreadable, so it is retried until the
    // runner stops it (played here through the give-up clean-up the runner calls), after the other
    // environment was already rewrapped under the new key.
    const second = (await upload(await pfx('Second'), 'Second')).key;
    expectStatus(await api('POST', '/v1/dev/clock', { token: op, body: { advanceSeconds: 25 * HOUR } }), 200);
    const broken = (await deps.store.environments.get(envs[1]!))!;
    await deps.store.transaction(async (tx) => {
      await tx.environments.swapProtection(broken.id, broken.wrappedDek, {
        wrappedDek: 'kw1:garbage:RSA-OAEP-256:AAAA',
        mode: 'tenant',
        keyId: broken.encryption.keyId,
      });
    });
    const activation = expectStatus(await api('POST', `${T}/keys/${second.id}/activate`, { token: admin, body: { acknowledgeRisk: true } }), 202).body
      .operation;
    // The cluster gives an operation up after 2 failing runs (KEYWARD_OPERATION_MAX_ATTEMPTS).
    await expect.poll(async () => (await deps.store.operations.get(activation.id))?.status, { timeout: 60_000 }).toBe('failed');
    expect((await deps.store.environments.get(envs[0]!))!.encryption.keyId).toBe(second.id);
    expect((await deps.store.keys.get(second.id))?.state).toBe('Failed');

    // A BYOK import: its key-exchange key is used once and destroyed at once.
    const exchange = expectStatus(await api('GET', `${T}/byok-exchange-key?region=eu`, { token: admin }), 200).body;
    const target = ws.fresh('.pem');
    ws.run(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', target]);
    const blob = opensslByok(ws, { targetKey: target, kekPublicPem: exchange.publicKeyPem, kid: exchange.kid });
    expectStatus(
      await api('POST', `${T}/keys/upload`, {
        token: admin,
        body: { region: 'eu', name: 'Brought', format: 'byok', file: b64(Buffer.from(blob)), acknowledgeRisk: true },
      }),
      201,
    );
    expect((await deps.store.exchangeKeys.get(exchange.kid))?.state).toBe('Destroyed');
    expect(await vaultHandles(cluster, token)).not.toContain(exchange.kid);
    // A fresh exchange key, never used: the lock must destroy it too.
    const unused = expectStatus(await api('GET', `${T}/byok-exchange-key?region=eu`, { token: admin }), 200).body;

    const keysOfRegion = async () =>
      (await deps.store.keys.listByTenant(tenant.id, 'eu')).filter((k) => mayHoldPrivateHalf(k.state)).map((k) => k.id);
    const before = new Set([...(await keysOfRegion()), unused.kid]);
    expect(before.size).toBe(4); // First (Active), Second (Failed), Brought (Available), and the exchange key
    for (const handle of before) expect(await vaultHandles(cluster, token)).toContain(handle);

    expectStatus(await api('POST', '/v1/dev/clock', { token: op, body: { advanceSeconds: 73 * HOUR } }), 200);
    const challenge = expectStatus(await api('GET', `${T}/lock-challenge?region=eu`, { token: admin }), 200).body.text;
    await expectSucceeded(
      api,
      admin,
      await api('POST', `${T}/lock`, { token: admin, body: { region: 'eu', file: b64(first.pfx), password: PASSWORD, confirmation: challenge } }),
    );
    const left = await vaultHandles(cluster, token);
    expect(
      left.filter((h) => before.has(h)),
      'private keys of the region left in the vault',
    ).toEqual([]);
    expect(await keysOfRegion()).toEqual([]);
    expect((await deps.store.exchangeKeys.get(unused.kid))?.state).toBe('Destroyed');
  });
}
