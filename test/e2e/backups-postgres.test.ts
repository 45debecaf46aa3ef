import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresUnreachable, sql, testDatabaseUrl } from '../support/postgres.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startServer, type TestServer } from '../support/server.js';
import { advance, expectCode, expectStatus, expectSucceeded, HOUR, type Call } from '../support/api.js';
import { startSmtpServer, type TestSmtpServer } from '../mail/smtp-test-server.js';
import { backup, cmkTenant, environment, eventually, filesOf, firstKey, lockRegion, rowsOf, type Tenant } from './backups-world.js';

/**
 * Two instances sharing PostgreSQL and one data directory (as instances on one host do).
 * A restore or reset replaces a file the other instance has open: it waits for that instance
 * to let go, and afterwards both serve the same, new data (no connection left on the old file
 * to split the WAL). A purge, checked by both instances every few seconds, happens once.
 */
const url = testDatabaseUrl;
const schema = `keyward_bk_${randomBytes(6).toString('hex')}`;
const query = sql;
const unreachable = await postgresUnreachable();

describe.skipIf(unreachable !== undefined && !process.env.CI)('backups on PostgreSQL with two instances', () => {
  const servers: TestServer[] = [];
  let smtp: TestSmtpServer;
  let a: Call;
  let b: Call;
  let t: Tenant;
  const op = 'op_shared_by_both_backup_instances';

  beforeAll(async () => {
    if (unreachable !== undefined) throw new Error(`PostgreSQL at ${new URL(url).host} is unreachable: ${unreachable}`);
    smtp = await startSmtpServer();
    const env = {
      KEYWARD_DATABASE_URL: url,
      KEYWARD_DATABASE_SCHEMA: schema,
      KEYWARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'keyward-pg-backups-')),
      KEYWARD_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      KEYWARD_OPERATOR_TOKEN: op,
      KEYWARD_PFX_ITERATIONS: '2048',
    };
    servers.push(await startServer({ ...env, KEYWARD_INSTANCE_ID: 'backup-a' }));
    servers.push(await startServer({ ...env, KEYWARD_INSTANCE_ID: 'backup-b' }));
    a = client(servers[0]!.url);
    b = client(servers[1]!.url);
    t = await cmkTenant(a, op, 'Litware', ['eu', 'us'], ['alice', 'bob']);
  }, 120_000);

  afterAll(async () => {
    for (const server of servers) await server.stop();
    await smtp?.close();
    if (unreachable === undefined) await query(`drop schema if exists "${schema}" cascade`);
  });

  it('restores and resets an environment both instances have open; both then serve the new data', { timeout: 120_000 }, async () => {
    const source = await environment(a, t, 'Source', ['s-1', 's-2']);
    const target = await environment(a, t, 'Target', ['old-1']);
    // Both instances open the target (and keep it open: nothing evicts a ready environment).
    expect(await rowsOf(a, t.admin, target)).toEqual(['old-1']);
    expect(await rowsOf(b, t.admin, target)).toEqual(['old-1']);
    const bk = await backup(b, t.admin, source);

    await expectSucceeded(
      a,
      t.admin,
      await b('POST', `/v1/environments/${target}/restore`, { token: t.admin, body: { sourceEnvironmentId: source, backupId: bk.id } }),
    );
    expect(await rowsOf(a, t.admin, target)).toEqual(['s-1', 's-2']);
    expect(await rowsOf(b, t.admin, target)).toEqual(['s-1', 's-2']);
    expectStatus(await a('POST', `/v1/environments/${target}/tables/notes/rows`, { token: t.admin, body: { body: 'via a' } }), 201);
    expectStatus(await b('POST', `/v1/environments/${target}/tables/notes/rows`, { token: t.admin, body: { body: 'via b' } }), 201);
    expect(await rowsOf(b, t.admin, target)).toEqual(['s-1', 's-2', 'via a', 'via b']);
    expect(await rowsOf(a, t.admin, target)).toEqual(['s-1', 's-2', 'via a', 'via b']);

    await expectSucceeded(a, t.admin, await a('POST', `/v1/environments/${target}/copy`, { token: t.admin, body: { sourceEnvironmentId: source } }));
    expect(await rowsOf(b, t.admin, target)).toEqual(['s-1', 's-2']);

    await expectSucceeded(b, t.admin, await a('POST', `/v1/environments/${target}/reset`, { token: t.admin, body: {} }));
    for (const call of [a, b]) expectCode(await call('GET', `/v1/environments/${target}/tables/notes/rows`, { token: t.admin }), 404, 'NOT_FOUND');
    expectStatus(
      await b('POST', `/v1/environments/${target}/tables`, { token: t.admin, body: { name: 'notes', columns: [{ name: 'body', type: 'text' }] } }),
      201,
    );
    expectStatus(await b('POST', `/v1/environments/${target}/tables/notes/rows`, { token: t.admin, body: { body: 'after reset' } }), 201);
    expect(await rowsOf(a, t.admin, target)).toEqual(['after reset']);
    // Each operation's outcome was recorded once.
    const done = await query(`select detail from "${schema}".audit_log where outcome = 'succeeded' and target = $1`, [`environment:${target}`]);
    expect(done.rows).toHaveLength(3);
  });

  it('purges a locked environment once, though both instances check', { timeout: 120_000 }, async () => {
    const { pfx } = await firstKey(a, t, 'us');
    const id = await environment(a, t, 'Forgotten', ['f-1'], { region: 'us', tenantKey: true });
    await backup(a, t.admin, id);
    await lockRegion(a, op, t, 'us', pfx);
    await advance(b, op, 28 * 24 * HOUR + HOUR);
    await eventually(async () => {
      for (const call of [a, b]) expectCode(await call('GET', `/v1/environments/${id}`, { token: t.admin }), 404, 'NOT_FOUND');
    });
    // Give the slower instance time to try too; it must find nothing to do.
    await new Promise((r) => setTimeout(r, 4_000));
    const purges = await query(`select actor from "${schema}".audit_log where action = 'environment.purge' and target = $1`, [`environment:${id}`]);
    expect(purges.rows).toEqual([{ actor: 'keyward' }]);
    const queued = await query(`select recipients from "${schema}".notifications where idempotency_key = $1`, [`environment.purge:${id}`]);
    expect(queued.rows).toHaveLength(1);
    expect(filesOf(servers[0]!.dataDir, id)).toEqual([]);
    await eventually(() => {
      const mails = smtp.received.filter((m) => /purged/.test(m.header('subject') ?? ''));
      expect(mails).toHaveLength(1);
      expect([...mails[0]!.rcptTo].sort()).toEqual(['alice@litware.example', 'bob@litware.example']);
    });
  });
});
