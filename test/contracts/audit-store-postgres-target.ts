import { randomBytes } from 'node:crypto';
import { postgresUnreachable, sql, testDatabaseUrl } from '../support/postgres.js';
import { afterAll, describe, it } from 'vitest';

/**
 * What the PostgreSQL runners of the audit and notification contracts share (the store
 * runner's conventions): the database from KEYWARD_TEST_DATABASE_URL or 127.0.0.1:5432/test,
 * a fresh schema per run dropped afterwards, and a loud failure under CI when PostgreSQL cannot
 * be reached, a quiet skip elsewhere.
 */
export const url = testDatabaseUrl;
export { sql };

/**
 * Declares `suite` under `title` with a fresh schema name (prefix `keyward_test_<prefix>_`), or,
 * PostgreSQL being unreachable, a failing test under CI and a skipped suite elsewhere.
 */
export async function describeOnPostgres(title: string, prefix: string, suite: (schema: string) => void): Promise<void> {
  const reason = await postgresUnreachable();
  // Shown without credentials: the URL may carry a password.
  const where = new URL(url).host;
  if (reason !== undefined && process.env.CI) {
    describe(title, () => {
      it('needs a reachable PostgreSQL', () => {
        throw new Error(`PostgreSQL at ${where} is unreachable (${reason}); set KEYWARD_TEST_DATABASE_URL.`);
      });
    });
    return;
  }
  if (reason !== undefined) {
    console.warn(`Skipping "${title}": PostgreSQL at ${where} is unreachable (${reason}). Set KEYWARD_TEST_DATABASE_URL.`);
    describe.skip(title, () => undefined);
    return;
  }
  const schema = `keyward_test_${prefix}_${randomBytes(6).toString('hex')}`;
  afterAll(async () => {
    await sql(`drop schema if exists "${schema}" cascade`);
  });
  describe(title, () => suite(schema));
}
