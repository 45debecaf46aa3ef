import { CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { ControlDatabase } from './schema.js';

/** Schema names are spliced into SQL, so only plain lower-case identifiers are accepted. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`PostgreSQL schema name "${schema}" must be lower-case letters, digits and _ (at most 63).`);
  }
}

/**
 * A pool whose every connection works in `schema` only: search_path is set when a connection
 * is made (Kysely awaits the hook before first use), so unqualified table names in the one query
 * layer resolve there, and nothing spills into `public` when another schema is chosen.
 */
export function postgresKysely(url: string, schema: string): Kysely<ControlDatabase> {
  assertSchemaName(schema);
  const pool = new pg.Pool({ connectionString: url });
  // An idle pooled connection that dies (server restart, network) is dropped by the pool and
  // replaced on next use; without a listener its error would crash the whole process.
  pool.on('error', () => undefined);
  return new Kysely<ControlDatabase>({
    dialect: new PostgresDialect({
      pool,
      onCreateConnection: async (connection) => {
        await connection.executeQuery(CompiledQuery.raw(`set search_path to "${schema}"`));
      },
    }),
  });
}
