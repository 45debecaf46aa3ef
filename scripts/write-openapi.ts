/**
 * Writes the server's OpenAPI document to web/src/api/openapi.json and the TypeScript types the
 * admin center's client is typed with (web/src/api/schema.d.ts). The document comes from the
 * server itself (its route schemas, assembled exactly as `npm start` wires them), so the UI is
 * typed against what the server serves, not against a copy someone keeps by hand.
 *
 * Run with `npm run web:api` after a route's schema changes; commit both files.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../src/main/config.js';
import { assemble } from '../src/main/wire.js';

const ROOT = resolve(import.meta.dirname, '..');
const OUT_JSON = join(ROOT, 'web/src/api/openapi.json');
const OUT_TYPES = join(ROOT, 'web/src/api/schema.d.ts');

async function main(): Promise<void> {
  // A throw-away data dir: the document depends on the routes only, never on stored data.
  const dataDir = mkdtempSync(join(tmpdir(), 'keyward-openapi-'));
  try {
    const keyward = await assemble(
      loadConfig({ KEYWARD_DATA_DIR: dataDir, KEYWARD_OPERATOR_TOKEN: 'openapi-writer-token-0000', KEYWARD_LOG_LEVEL: 'silent' }),
    );
    try {
      await keyward.app.ready();
      writeFileSync(OUT_JSON, `${JSON.stringify(keyward.app.swagger(), null, 2)}\n`);
    } finally {
      await keyward.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  execFileSync(join(ROOT, 'node_modules/.bin/openapi-typescript'), [OUT_JSON, '-o', OUT_TYPES], { stdio: 'inherit' });
}

main().catch((error: unknown) => {
  process.stderr.write(`write-openapi: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
