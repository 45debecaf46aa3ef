import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advance, expectCode, expectSucceeded, HOUR } from '../support/api.js';
import { startServer, client, type TestServer } from '../support/server.js';
import { startSmtpServer, type TestSmtpServer } from '../mail/smtp-test-server.js';
import { playSeedStory } from './seed-story.js';

/** The seed's story on the embedded defaults: SQLite control store, software vault, real SMTP. */
let server: TestServer;
let smtp: TestSmtpServer;

beforeAll(async () => {
  smtp = await startSmtpServer();
  server = await startServer({ KEYWARD_SMTP_URL: `smtp://127.0.0.1:${smtp.port}` });
});
afterAll(async () => {
  await server?.stop();
  await smtp?.close();
});

describe('key lifecycle end to end (software vault, SQLite)', () => {
  it('plays the seed story', { timeout: 240_000 }, async () => {
    await playSeedStory({ api: client(server.url), operatorToken: server.operatorToken, smtp, environments: 12 });
  });
});

describe("the seed's malicious administrator", () => {
  it('cannot lock within 72 h of slipping in a key, and every other admin is told at once', { timeout: 120_000 }, async () => {
    const api = client(server.url);
    const op = server.operatorToken;
    const tenant = (await api('POST', '/v1/tenants', { token: op, body: { name: 'Fabrikam', licensedSeats: 3000, regions: ['eu'], cmkOptIn: true } }))
      .body;
    await api('POST', `/v1/tenants/${tenant.id}/cmk`, { token: op, body: { enabled: true } });
    const person = async (email: string) =>
      (await api('POST', `/v1/tenants/${tenant.id}/users`, { token: op, body: { email, roles: [{ role: 'global-admin' }] } })).body.token as string;
    const honest = await person('honest@fabrikam.example');
    await person('other@fabrikam.example');
    const mallory = await person('mallory@fabrikam.example');
    const T = `/v1/tenants/${tenant.id}`;
    const pw = 'honest password';
    const firstKey = (
      await api('POST', `${T}/keys/generate`, { token: honest, body: { region: 'eu', name: 'Honest', password: pw, acknowledgeRisk: true } })
    ).body;
    await expectSucceeded(api, honest, { status: 202, body: { operation: firstKey.operation }, headers: new Headers() });
    await advance(api, op, 100 * HOUR);

    // Mallory brings a key of her own and activates it.
    const evil = (
      await api('POST', `${T}/keys/generate`, {
        token: mallory,
        body: { region: 'eu', name: 'Totally legit', password: 'mallory-pw', acknowledgeRisk: true },
      })
    ).body;
    await expectSucceeded(api, mallory, await api('POST', `${T}/keys/${evil.key.id}/activate`, { token: mallory, body: { acknowledgeRisk: true } }));
    const challenge = (await api('GET', `${T}/lock-challenge?region=eu`, { token: mallory })).body.text;
    const refused = expectCode(
      await api('POST', `${T}/lock`, { token: mallory, body: { region: 'eu', file: evil.pfx, password: 'mallory-pw', confirmation: challenge } }),
      409,
      'LOCK_COOLDOWN',
    );
    expect(Date.parse(refused.body.retryAfter) - Date.parse((await api('GET', '/v1/dev/clock', { token: op })).body.now)).toBeGreaterThan(
      71 * HOUR * 1000,
    );

    // The others heard of it from a real mail server, naming who and which key.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const told = ['honest@fabrikam.example', 'other@fabrikam.example'].map((admin) =>
        smtp.received.some(
          (m) =>
            m.rcptTo.includes(admin) &&
            /activated/i.test(m.header('subject') ?? '') &&
            m.text.includes('mallory@fabrikam.example') &&
            m.text.includes('Totally legit'),
        ),
      );
      if (told.every(Boolean)) break;
      if (Date.now() > deadline) throw new Error(`not every admin was told: ${JSON.stringify(told)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
});
