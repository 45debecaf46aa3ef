import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresUnreachable, sql, testDatabaseUrl } from '../support/postgres.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server.js';
import { spreadClient } from '../support/api.js';
import { startSmtpServer, type TestSmtpServer } from '../mail/smtp-test-server.js';
import { playSeedStory } from './seed-story.js';

/**
 * The seed story with the control data in PostgreSQL and two server instances sharing it
 * (and one data directory, as instances on one host share their environment files), every
 * request going to the next instance in turn. Afterwards, each operation ran exactly once.
 */
const url = testDatabaseUrl;
const schema = `keyward_e2e_${randomBytes(6).toString('hex')}`;
const query = sql;
const unreachable = await postgresUnreachable();

describe.skipIf(unreachable !== undefined && !process.env.CI)('key lifecycle on PostgreSQL with two instances', () => {
  const servers: TestServer[] = [];
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    if (unreachable !== undefined) throw new Error(`PostgreSQL at ${new URL(url).host} is unreachable: ${unreachable}`);
    smtp = await startSmtpServer();
    const dataDir = mkdtempSync(join(tmpdir(), 'keyward-pg-'));
    const env = {
      KEYWARD_DATABASE_URL: url,
      KEYWARD_DATABASE_SCHEMA: schema,
      KEYWARD_DATA_DIR: dataDir,
      KEYWARD_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      KEYWARD_OPERATOR_TOKEN: 'op_shared_by_both_instances',
    };
    servers.push(await startServer({ ...env, KEYWARD_INSTANCE_ID: 'instance-a' }));
    servers.push(await startServer({ ...env, KEYWARD_INSTANCE_ID: 'instance-b' }));
  }, 120_000);

  afterAll(async () => {
    for (const server of servers) await server.stop();
    await smtp?.close();
    if (unreachable === undefined) await query(`drop schema if exists "${schema}" cascade`);
  });

  it('plays the seed story with requests spread over both, and runs every operation exactly once', { timeout: 300_000 }, async () => {
    if (unreachable !== undefined) console.warn(`skipping: PostgreSQL unreachable (${unreachable})`);
    await playSeedStory({ api: spreadClient(servers.map((s) => s.url)), operatorToken: 'op_shared_by_both_instances', smtp, environments: 12 });

    const ops = await query(`select id, status from "${schema}".operations`);
    expect(ops.rows.length).toBeGreaterThan(10);
    expect(ops.rows.every((r: { status: string }) => r.status === 'succeeded')).toBe(true);
    // Each operation's outcome is recorded once: a second run would have recorded it again.
    const audit = await query(`select detail from "${schema}".audit_log where outcome = 'succeeded'`);
    for (const { id } of ops.rows as { id: string }[]) {
      const runs = audit.rows.filter((r: { detail: string | null }) => r.detail?.includes(id)).length;
      expect(runs, `operation ${id}`).toBe(1);
    }
  });
});
