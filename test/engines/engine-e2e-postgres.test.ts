import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spreadClient } from '../support/api.js';
import { requireMariaDb, type MariaDb } from '../support/mariadb.js';
import { postgresUnreachable, sql, testDatabaseUrl } from '../support/postgres.js';
import { startServer, type TestServer } from '../support/server.js';
import { playEngineStory } from './engine-story.js';

/**
 * The engine story (engine-story.ts) with the control data in PostgreSQL and two Keyward
 * instances sharing it, every API request going to the next instance in turn: an engine fetches
 * its keys from whichever instance issued its token, while the lock may run on the other one,
 * so the stop it records must reach the first instance's key service at once.
 */
const SUITE = 'MariaDB keyed by two Keyward instances on PostgreSQL';
const schema = `keyward_engines_${randomBytes(6).toString('hex')}`;
const unreachable = await postgresUnreachable();

if (requireMariaDb(SUITE)) {
  describe.skipIf(unreachable !== undefined && !process.env.CI)(SUITE, () => {
    const servers: TestServer[] = [];
    const engines: MariaDb[] = [];
    beforeAll(async () => {
      if (unreachable !== undefined) throw new Error(`PostgreSQL at ${new URL(testDatabaseUrl).host} is unreachable: ${unreachable}`);
      const env = {
        KEYWARD_DATABASE_URL: testDatabaseUrl,
        KEYWARD_DATABASE_SCHEMA: schema,
        KEYWARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'keyward-engines-pg-')),
        KEYWARD_OPERATOR_TOKEN: 'op_shared_by_both_engine_instances',
        KEYWARD_PFX_ITERATIONS: '2048',
      };
      servers.push(await startServer({ ...env, KEYWARD_INSTANCE_ID: 'instance-a' }));
      servers.push(await startServer({ ...env, KEYWARD_INSTANCE_ID: 'instance-b' }));
    }, 120_000);
    afterAll(async () => {
      for (const engine of engines) await engine.destroy();
      for (const server of servers) await server.stop();
      if (unreachable === undefined) await sql(`drop schema if exists "${schema}" cascade`);
    });

    it('plays the engine story with requests spread over both instances', { timeout: 240_000 }, async () => {
      const timings: Record<string, number> = {};
      await playEngineStory({
        api: spreadClient(servers.map((s) => s.url)),
        operatorToken: 'op_shared_by_both_engine_instances',
        track: (e) => engines.push(e),
        timings,
      });
      console.log(`engine story (PostgreSQL, two instances): ${JSON.stringify(timings)}`);
      const ops = await sql(`select type, status from "${schema}".operations order by created_at`);
      expect(ops.rows.every((r: { status: string }) => r.status === 'succeeded')).toBe(true);
      expect(ops.rows.map((r: { type: string }) => r.type)).toEqual(
        expect.arrayContaining(['apply-tenant-key', 'activate-key', 'lock-tenant', 'unlock-key', 'unlock-environment']),
      );
      // Nothing of an admin password or an engine token reached the store in the clear.
      const envs = await sql(`select engine_sealed_password, engine_token_hash from "${schema}".environments where engine_kind = 'mariadb'`);
      expect(envs.rows).toHaveLength(2);
      for (const row of envs.rows as Array<{ engine_sealed_password: string; engine_token_hash: Buffer }>) {
        expect(row.engine_sealed_password).toMatch(/^kw1:/);
        expect(row.engine_token_hash).toHaveLength(32);
      }
    });
  });
}
