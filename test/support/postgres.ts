import pg from 'pg';

/**
 * The PostgreSQL every suite that needs one uses: KEYWARD_TEST_DATABASE_URL, or the machine's
 * own at 127.0.0.1:5432/test. Each suite works in a fresh schema of its own and drops it after.
 */
export const testDatabaseUrl = process.env.KEYWARD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Where it is, without credentials (the URL may carry a password), for messages. */
export const testDatabaseHost = new URL(testDatabaseUrl).host;

/** Runs one statement on its own connection. */
export async function sql(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: testDatabaseUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

/** Why PostgreSQL cannot be used, or undefined when it can. */
export async function postgresUnreachable(): Promise<string | undefined> {
  try {
    await sql('select 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
