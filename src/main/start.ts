import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig } from './config.js';
import { assemble } from './wire.js';

/**
 * `npm start` and `keyward serve`: serves Keyward on its embedded defaults (SQLite control
 * store, software vault, data under ./data). Stops gracefully on SIGTERM/SIGINT: in-flight
 * requests finish, handles close. Resolves once listening; the process then lives until a signal.
 */
export async function startServer(): Promise<void> {
  const config = loadConfig();
  const keyward = await assemble(config);
  const { app } = keyward;
  for (const warning of keyward.warnings) app.log.warn(warning);

  if (keyward.operator.kind === 'created') {
    // Printed once, on the terminal only (not through the logger, which may be shipped elsewhere).
    process.stdout.write(
      `\nOperator token (shown once; also saved to ${keyward.operatorTokenFile} with mode 0600):\n  ${keyward.operator.token}\n\n`,
    );
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    keyward.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  await app.listen({ host: config.host, port: config.port });
  keyward.startBackground();
}

// Runs only as the entry point (`npm start`, test/support/server.ts); the CLI imports startServer.
const isEntryPoint = (entry: string | undefined): boolean => {
  try {
    return entry !== undefined && realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
};
if (isEntryPoint(process.argv[1])) {
  startServer().catch((error: unknown) => {
    process.stderr.write(`keyward: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
