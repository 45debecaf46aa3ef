import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePfx, type GeneratedPfx } from '../../src/crypto/key-files/index.js';
import { expectCode, expectStatus, expectSucceeded, HOUR, type Call } from '../support/api.js';
import { startInProcess, type InProcessCluster } from '../support/in-process.js';

/**
 * Proof of possession without handing the key over: the server encrypts a nonce to the active
 * key, the admin decrypts it with OpenSSL alone (the line the API hands out), and the lock takes
 * the answer in place of the .pfx. Wrong, stale and foreign answers are refused.
 */
const PASSWORD = 'proof-pfx-password';
const b64 = (bytes: Buffer) => bytes.toString('base64');

describe('lock by challenge-response (the .pfx never reaches the server)', () => {
  let cluster: InProcessCluster;
  let api: Call;
  let T = '';
  let admin = '';
  let active: GeneratedPfx;
  let other: GeneratedPfx;
  const dir = mkdtempSync(join(tmpdir(), 'keyward-proof-'));

  beforeAll(async () => {
    cluster = await startInProcess({ store: 'sqlite' });
    api = cluster.calls[0]!;
    const op = cluster.operatorToken;
    const tenant = expectStatus(
      await api('POST', '/v1/tenants', { token: op, body: { name: 'Proof', licensedSeats: 5000, regions: ['eu', 'us'], cmkOptIn: true } }),
      201,
    ).body;
    expectStatus(await api('POST', `/v1/tenants/${tenant.id}/cmk`, { token: op, body: { enabled: true } }), 200);
    admin = expectStatus(
      await api('POST', `/v1/tenants/${tenant.id}/users`, { token: op, body: { email: 'admin@proof.example', roles: [{ role: 'global-admin' }] } }),
      201,
    ).body.token;
    T = `/v1/tenants/${tenant.id}`;
    const env = expectStatus(await api('POST', `${T}/environments`, { token: admin, body: { name: 'Sales', region: 'eu', type: 'sandbox' } }), 201)
      .body.id;
    active = await generatePfx({ keyName: 'Active', tenantName: 'Proof', password: PASSWORD, now: new Date(), iterations: 1000 });
    other = await generatePfx({ keyName: 'Other', tenantName: 'Proof', password: PASSWORD, now: new Date(), iterations: 1000 });
    const upload = expectStatus(
      await api('POST', `${T}/keys/upload`, {
        token: admin,
        body: { region: 'eu', name: 'Active', format: 'pfx', file: b64(active!.pfx), password: PASSWORD, acknowledgeRisk: true },
      }),
      201,
    ).body;
    await expectSucceeded(api, admin, { status: 202, body: { operation: upload.operation }, headers: new Headers() });
    await expectSucceeded(
      api,
      admin,
      await api('POST', `/v1/environments/${env}/encryption/apply-tenant-key`, { token: admin, body: { acknowledgeDowntime: true } }),
    );
    expectStatus(await api('POST', '/v1/dev/clock', { token: op, body: { advanceSeconds: 73 * HOUR } }), 200);
    writeFileSync(join(dir, 'key.pfx'), active!.pfx);
    writeFileSync(join(dir, 'other.pfx'), other!.pfx);
  }, 120_000);
  afterAll(() => cluster?.close());

  const challenge = async () => expectStatus(await api('POST', `${T}/lock-proof?region=eu`, { token: admin }), 201).body;
  const typed = async () => expectStatus(await api('GET', `${T}/lock-challenge?region=eu`, { token: admin }), 200).body.text;
  /** The line the API hands out, run as it is in a shell, the .pfx password given on the side. */
  const answerWithOpenSsl = (line: string, ciphertext: string, pfx = 'key.pfx') =>
    execFileSync('bash', ['-c', line.replace('openssl pkcs12 -in key.pfx', `openssl pkcs12 -in ${pfx} -passin env:PFX_PASSWORD`)], {
      cwd: dir,
      env: { ...process.env, CIPHERTEXT: ciphertext, PFX_PASSWORD: PASSWORD },
    })
      .toString()
      .trim();
  const lock = (proof: { challengeId: string; response: string }, confirmation: string) =>
    api('POST', `${T}/lock`, { token: admin, body: { region: 'eu', proof, confirmation } });

  it('refuses answers made with another key, for another region, or after expiry; takes the right one', async () => {
    const wrong = await challenge();
    expect(wrong.openssl).toContain('openssl pkeyutl -decrypt');
    const otherAnswer = (() => {
      try {
        return answerWithOpenSsl(wrong.openssl, wrong.ciphertext, 'other.pfx');
      } catch {
        return b64(Buffer.alloc(32, 1)); // OpenSSL refuses to decrypt with the wrong key at all
      }
    })();
    expectCode(await lock({ challengeId: wrong.challengeId, response: otherAnswer }, await typed()), 409, 'KEY_MISMATCH');
    const foreign = wrong.challengeId.replace('.eu.', '.us.');
    expectCode(await lock({ challengeId: foreign, response: otherAnswer }, await typed()), 400, 'VALIDATION_FAILED');

    const stale = await challenge();
    const staleAnswer = answerWithOpenSsl(stale.openssl, stale.ciphertext);
    expectStatus(await api('POST', '/v1/dev/clock', { token: cluster.operatorToken, body: { advanceSeconds: 11 * 60 } }), 200);
    expectCode(await lock({ challengeId: stale.challengeId, response: staleAnswer }, await typed()), 400, 'CONFIRMATION_MISMATCH');

    const fresh = await challenge();
    const answer = answerWithOpenSsl(fresh.openssl, fresh.ciphertext);
    const op = await expectSucceeded(api, admin, await lock({ challengeId: fresh.challengeId, response: answer }, await typed()));
    expect(op.result.keysDestroyed).toBe(1);
    const entries = (await api('GET', `${T}/audit`, { token: admin })).body.items;
    expect(entries.find((e: any) => e.action === 'tenant.lock' && e.outcome === 'allowed').detail).toContain('challenge-response');
  });
});
