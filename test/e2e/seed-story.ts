import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { OpenSslWorkspace } from '../key-files/openssl-workspace.js';
import { opensslByok } from '../key-files/byok-fixtures.js';
import type { TestSmtpServer } from '../mail/smtp-test-server.js';
import { advance, expectCode, expectStatus, expectSucceeded, HOUR, type Call } from '../support/api.js';

/**
 * The seed's whole story over HTTP, written once and played against every setup (software
 * vault on SQLite, two instances on PostgreSQL, the PKCS#11 vault): generate → apply → upload
 * modern, legacy and .byok keys → activation gate → activate under load → lock gates → lock →
 * 423 for everyone → unlock gates → unlock key → unlock environments one by one → data intact.
 */
export interface StoryContext {
  api: Call;
  operatorToken: string;
  smtp: TestSmtpServer;
  /** How many tenant-key environments to make (more makes the activation take longer). */
  environments?: number;
  /** Called right after the lock succeeded, with the ids of the keys it destroyed. */
  afterLock?: (destroyedKeyIds: string[]) => Promise<void> | void;
}

const b64 = (bytes: Buffer) => bytes.toString('base64');

export async function playSeedStory(ctx: StoryContext): Promise<void> {
  const { api, operatorToken: op, smtp } = ctx;
  const ws = new OpenSslWorkspace();
  try {
    // --- Tenant, CMK, people ---
    const tenant = expectStatus(
      await api('POST', '/v1/tenants', { token: op, body: { name: 'Contoso', licensedSeats: 5000, regions: ['eu'], cmkOptIn: true } }),
      201,
    ).body;
    const beforeCmk = expectStatus(
      await api('POST', `/v1/tenants/${tenant.id}/environments`, { token: op, body: { name: 'Legacy', region: 'eu', type: 'production' } }),
      201,
    ).body;
    expectStatus(await api('POST', `/v1/tenants/${tenant.id}/cmk`, { token: op, body: { enabled: true } }), 200);
    const person = async (email: string, role: 'global-admin' | 'service-admin') =>
      expectStatus(await api('POST', `/v1/tenants/${tenant.id}/users`, { token: op, body: { email, roles: [{ role }] } }), 201).body.token as string;
    const alice = await person('alice@contoso.example', 'global-admin');
    const bob = await person('bob@contoso.example', 'service-admin');
    const carol = await person('carol@contoso.example', 'global-admin');
    const T = `/v1/tenants/${tenant.id}`;

    // Before any key exists, nothing can be applied or locked.
    expectCode(await api('GET', `${T}/lock-challenge?region=eu`, { token: alice }), 409, 'NO_ACTIVE_KEY');

    // --- Environments with data ---
    const envCount = ctx.environments ?? 4;
    const envs: { id: string; name: string; rows: Record<string, unknown>[] }[] = [];
    for (let i = 0; i < envCount; i++) {
      const env = expectStatus(
        await api('POST', `${T}/environments`, { token: alice, body: { name: `Env ${i}`, region: 'eu', type: i === 0 ? 'production' : 'sandbox' } }),
        201,
      ).body;
      expectStatus(
        await api('POST', `/v1/environments/${env.id}/tables`, {
          token: alice,
          body: {
            name: 'orders',
            columns: [
              { name: 'item', type: 'text' },
              { name: 'qty', type: 'number' },
            ],
          },
        }),
        201,
      );
      const rows = [];
      for (let r = 0; r < 3; r++) {
        rows.push(
          expectStatus(
            await api('POST', `/v1/environments/${env.id}/tables/orders/rows`, {
              token: alice,
              body: { item: `item-${i}-${r}-${randomBytes(4).toString('hex')}`, qty: r },
            }),
            201,
          ).body,
        );
      }
      envs.push({ id: env.id, name: env.name, rows });
    }

    // --- R3, R4, R6: generate the first key: activated at once; OpenSSL opens the .pfx ---
    expectCode(
      await api('POST', `${T}/keys/generate`, {
        token: alice,
        body: { region: 'eu', name: 'First', password: 'correct horse 1', acknowledgeRisk: false },
      }),
      400,
      'ACKNOWLEDGEMENT_REQUIRED',
    );
    const generated = expectStatus(
      await api('POST', `${T}/keys/generate`, {
        token: alice,
        body: { region: 'eu', name: 'First', password: 'correct horse 1', acknowledgeRisk: true },
      }),
      201,
    ).body;
    expect(generated.key).toMatchObject({ name: 'First', region: 'eu', source: 'generated', keySize: 2048, state: 'Installing' });
    expect(generated.operation).not.toBeNull();
    const firstPfx = Buffer.from(generated.pfx, 'base64');
    expect(ws.pfxInfo(firstPfx, 'correct horse 1')).toContain('PBKDF2');
    const opensslKey = ws.pfxExtract(firstPfx, 'correct horse 1', ['-nocerts', '-nodes']);
    expect(ws.thumbprintOfKeyPem(opensslKey)).toBe(generated.key.thumbprint);
    await expectSucceeded(api, alice, { status: 202, body: { operation: generated.operation }, headers: new Headers() });
    const first = (await api('GET', `${T}/keys`, { token: alice })).body.items.find((k: any) => k.id === generated.key.id);
    expect(first.state).toBe('Active');

    // --- R2, R11: apply the tenant key ---
    expectCode(
      await api('POST', `/v1/environments/${beforeCmk.id}/encryption/apply-tenant-key`, { token: alice, body: { acknowledgeDowntime: true } }),
      409,
      'ENVIRONMENT_NOT_ELIGIBLE',
    );
    expectCode(
      await api('POST', `/v1/environments/${envs[0]!.id}/encryption/apply-tenant-key`, { token: alice, body: { acknowledgeDowntime: false } }),
      400,
      'ACKNOWLEDGEMENT_REQUIRED',
    );
    for (const env of envs) {
      await expectSucceeded(
        api,
        alice,
        await api('POST', `/v1/environments/${env.id}/encryption/apply-tenant-key`, { token: alice, body: { acknowledgeDowntime: true } }),
      );
      expect((await api('GET', `/v1/environments/${env.id}`, { token: alice })).body.encryption).toEqual({
        mode: 'tenant',
        keyId: first.id,
        status: 'ready',
      });
    }
    await expectRowsIntact(api, alice, envs);

    // --- R5: uploads: OpenSSL 3 default, legacy, and .byok ---
    const modernKey = ws.rsaKey(2048);
    const modernPfx = ws.exportPfx({ key: modernKey, cert: ws.selfSignedCert(modernKey), password: 'modern-pw' });
    const legacyKey = ws.rsaKey(2048);
    const legacyPfx = ws.exportPfx({ key: legacyKey, cert: ws.selfSignedCert(legacyKey), password: 'legacy-pw', extra: ['-legacy'] });
    const upload = (name: string, format: string, file: Buffer | string, password?: string, token = alice) =>
      api('POST', `${T}/keys/upload`, {
        token,
        body: {
          region: 'eu',
          name,
          format,
          file: typeof file === 'string' ? b64(Buffer.from(file)) : b64(file),
          ...(password ? { password } : {}),
          acknowledgeRisk: true,
        },
      });
    expectCode(await upload('Modern', 'pfx', modernPfx, 'wrong-pw'), 400, 'BAD_PASSWORD');
    expectCode(await upload('Modern', 'pfx', Buffer.from('not a key file at all')), 400, 'INVALID_KEY_FILE');
    const modern = expectStatus(await upload('Modern', 'pfx', modernPfx, 'modern-pw'), 201).body;
    expect(modern.key).toMatchObject({ state: 'Available', source: 'pfx', thumbprint: ws.thumbprintOfKeyFile(modernKey) });
    expect(modern.operation).toBeNull();
    expectCode(await upload('Modern again', 'pfx', modernPfx, 'modern-pw'), 409, 'DUPLICATE_KEY');
    const legacy = expectStatus(await upload('Legacy', 'pfx', legacyPfx, 'legacy-pw'), 201).body;
    expect(legacy.key.thumbprint).toBe(ws.thumbprintOfKeyFile(legacyKey));
    const kek = expectStatus(await api('GET', `${T}/byok-exchange-key?region=eu`, { token: alice }), 200).body;
    const byokTarget = ws.rsaKey(2048);
    const byok = expectStatus(
      await upload('From HSM', 'byok', opensslByok(ws, { targetKey: byokTarget, kekPublicPem: kek.publicKeyPem, kid: kek.kid })),
      201,
    ).body;
    expect(byok.key).toMatchObject({ source: 'byok', thumbprint: ws.thumbprintOfKeyFile(byokTarget), state: 'Available' });

    // --- R8: no second activation within 24 h ---
    const early = expectCode(
      await api('POST', `${T}/keys/${modern.key.id}/activate`, { token: alice, body: { acknowledgeRisk: true } }),
      409,
      'ACTIVATION_COOLDOWN',
    );
    expect(Date.parse(early.body.retryAfter)).toBeGreaterThan(Date.now());
    await advance(api, op, 25 * HOUR);

    // --- R7: activate while a client reads and writes without a single error ---
    const load = keepReadingAndWriting(api, alice, envs[1]!.id);
    await expectSucceeded(api, alice, await api('POST', `${T}/keys/${modern.key.id}/activate`, { token: bob, body: { acknowledgeRisk: true } }));
    const { errors, requests } = await load.stop();
    expect(errors).toEqual([]);
    expect(requests).toBeGreaterThan(0);
    const keys = (await api('GET', `${T}/keys`, { token: alice })).body.items;
    expect(keys.find((k: any) => k.id === modern.key.id).state).toBe('Active');
    expect(keys.find((k: any) => k.id === first.id).state).toBe('Available');
    for (const env of envs) expect((await api('GET', `/v1/environments/${env.id}`, { token: alice })).body.encryption.keyId).toBe(modern.key.id);

    // --- R13: lock gates: 72 h, the active key only, the typed text ---
    const fetchChallenge = async () => expectStatus(await api('GET', `${T}/lock-challenge?region=eu`, { token: alice }), 200).body;
    const shown = await fetchChallenge();
    // It says what the lock destroys, and expires.
    expect(shown.text).toMatch(
      new RegExp(`^LOCK Contoso eu: ${envs.length} environments offline, 4 keys destroyed, key [0-9a-f]{8}, code [A-Z2-9]{6}$`),
    );
    expect(new Date(shown.expiresAt).getTime()).toBeGreaterThan(Date.now());
    const lock = (file: Buffer, password: string, confirmation: string) =>
      api('POST', `${T}/lock`, { token: carol, body: { region: 'eu', file: b64(file), password, confirmation } });
    const tooSoon = expectCode(await lock(modernPfx, 'modern-pw', shown.text), 409, 'LOCK_COOLDOWN');
    expect(tooSoon.body.retryAfter).toBeTruthy();
    await advance(api, op, 73 * HOUR);
    // Three days later the old text no longer locks anything; the new one does.
    expectCode(await lock(modernPfx, 'modern-pw', shown.text), 400, 'CONFIRMATION_MISMATCH');
    const challenge = (await fetchChallenge()).text as string;
    expectCode(await lock(firstPfx, 'correct horse 1', challenge), 409, 'KEY_MISMATCH');
    expectCode(await lock(modernPfx, 'modern-pw', `${challenge}x`), 400, 'CONFIRMATION_MISMATCH');
    expectCode(await lock(modernPfx, 'nope', challenge), 400, 'BAD_PASSWORD');

    // --- Lock: data answers 423 to everyone, the other keys are gone, new keys refused ---
    await expectSucceeded(api, carol, await lock(modernPfx, 'modern-pw', challenge));
    await ctx.afterLock?.([first.id, modern.key.id, legacy.key.id, byok.key.id]);
    for (const env of envs) {
      expectCode(await api('GET', `/v1/environments/${env.id}/tables/orders/rows`, { token: alice }), 423, 'ENVIRONMENT_LOCKED');
      expectCode(await api('GET', `/v1/environments/${env.id}/tables/orders/rows`, { token: op }), 423, 'ENVIRONMENT_LOCKED');
      expect((await api('GET', `/v1/environments/${env.id}`, { token: alice })).body.encryption.status).toBe('locked');
    }
    // Provider-key environments are untouched.
    expectStatus(await api('GET', `/v1/environments/${beforeCmk.id}`, { token: alice }), 200);
    const afterLock = (await api('GET', `${T}/keys`, { token: alice })).body.items;
    expect(afterLock.map((k: any) => [k.id, k.state])).toEqual([[modern.key.id, 'Locked']]);
    expectCode(
      await api('POST', `${T}/keys/generate`, {
        token: alice,
        body: { region: 'eu', name: 'Sneaky', password: 'password123', acknowledgeRisk: true },
      }),
      409,
      'LOCKED_ENVIRONMENTS_EXIST',
    );
    expectCode(await upload('Sneaky', 'pfx', legacyPfx, 'legacy-pw'), 409, 'LOCKED_ENVIRONMENTS_EXIST');

    // --- R15: unlock gates, then the key, then each environment on its own ---
    const unlockKey = (file: Buffer, password: string) =>
      api('POST', `${T}/keys/${modern.key.id}/unlock`, { token: bob, body: { file: b64(file), password } });
    expectCode(await unlockKey(modernPfx, 'modern-pw'), 409, 'UNLOCK_TOO_EARLY');
    await advance(api, op, 2 * HOUR);
    expectCode(await unlockKey(legacyPfx, 'legacy-pw'), 409, 'KEY_MISMATCH');
    await expectSucceeded(api, bob, await unlockKey(modernPfx, 'modern-pw'));
    expect((await api('GET', `${T}/keys`, { token: alice })).body.items.find((k: any) => k.id === modern.key.id).state).toBe('Active');
    expectCode(await api('GET', `/v1/environments/${envs[0]!.id}/tables/orders/rows`, { token: alice }), 423, 'ENVIRONMENT_LOCKED');
    for (const [i, env] of envs.entries()) {
      await expectSucceeded(api, alice, await api('POST', `/v1/environments/${env.id}/encryption/unlock`, { token: alice, body: {} }));
      expectStatus(await api('GET', `/v1/environments/${env.id}/tables/orders/rows`, { token: alice }), 200);
      // The others stay locked until unlocked themselves.
      if (i + 1 < envs.length)
        expectCode(await api('GET', `/v1/environments/${envs[i + 1]!.id}/tables/orders/rows`, { token: alice }), 423, 'ENVIRONMENT_LOCKED');
    }
    await expectRowsIntact(api, alice, envs);

    // --- R12: return to the provider key (production needs its name typed) ---
    expectCode(
      await api('POST', `/v1/environments/${envs[0]!.id}/encryption/return-to-provider`, { token: alice, body: { confirmation: 'wrong' } }),
      400,
      'CONFIRMATION_MISMATCH',
    );
    await expectSucceeded(
      api,
      alice,
      await api('POST', `/v1/environments/${envs[0]!.id}/encryption/return-to-provider`, { token: alice, body: { confirmation: envs[0]!.name } }),
    );
    expect((await api('GET', `/v1/environments/${envs[0]!.id}`, { token: alice })).body.encryption).toEqual({
      mode: 'provider',
      keyId: null,
      status: 'ready',
    });
    await expectRowsIntact(api, alice, envs);

    // --- R10: every admin was told of every key change ---
    const actions = ['generated', 'uploaded', 'activated', 'locked', 'unlocked'];
    await eventually(() => {
      for (const admin of ['alice@contoso.example', 'bob@contoso.example', 'carol@contoso.example']) {
        const subjects = smtp.received.filter((m) => m.rcptTo.includes(admin)).map((m) => m.header('subject') ?? '');
        for (const action of actions)
          expect(
            subjects.some((s) => s.toLowerCase().includes(action)),
            `${admin} told of ${action}: ${subjects.join(' | ')}`,
          ).toBe(true);
      }
    });

    // --- The audit log holds every attempt, refused ones too, and its chain verifies ---
    const audit = expectStatus(await api('GET', `${T}/audit`, { token: alice }), 200).body.items;
    const outcomes = (action: string) => audit.filter((e: any) => e.action === action).map((e: any) => e.outcome);
    expect(outcomes('tenant.lock')).toEqual(expect.arrayContaining(['refused', 'allowed', 'succeeded']));
    expect(outcomes('key.activate')).toEqual(expect.arrayContaining(['refused', 'allowed', 'succeeded']));
    expect(JSON.stringify(audit)).not.toMatch(/modern-pw|correct horse|legacy-pw/);
    expect(expectStatus(await api('GET', `${T}/audit/verify`, { token: alice }), 200).body).toMatchObject({ ok: true });
  } finally {
    ws.dispose();
  }
}

async function expectRowsIntact(api: Call, token: string, envs: { id: string; rows: Record<string, unknown>[] }[]): Promise<void> {
  for (const env of envs) {
    const items = expectStatus(await api('GET', `/v1/environments/${env.id}/tables/orders/rows?limit=1000`, { token }), 200).body.items;
    for (const row of env.rows) expect(items).toContainEqual(row);
  }
}

/** A client that keeps writing and reading one environment until stopped, recording every failure. */
function keepReadingAndWriting(api: Call, token: string, envId: string) {
  let running = true;
  let requests = 0;
  const errors: string[] = [];
  const loop = (async () => {
    while (running) {
      const written = await api('POST', `/v1/environments/${envId}/tables/orders/rows`, {
        token,
        body: { item: 'during activation', qty: requests },
      });
      if (written.status !== 201) errors.push(`write ${written.status} ${JSON.stringify(written.body)}`);
      const read = await api('GET', `/v1/environments/${envId}/tables/orders/rows?limit=5`, { token });
      if (read.status !== 200) errors.push(`read ${read.status} ${JSON.stringify(read.body)}`);
      requests += 2;
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { errors, requests };
    },
  };
}

async function eventually(check: () => void, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
