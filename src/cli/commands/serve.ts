import { Command } from 'commander';
import { example } from '../context.js';

/**
 * `keyward serve`: the server itself, exactly as `npm start` runs it (same function, same
 * KEYWARD_* environment settings). Imported lazily so other commands do not load the server.
 * Unlike `npm start` it does not build the web admin center first (`npm run build:web`).
 */
export function serveCommand(): Command {
  return example(
    new Command('serve')
      .description('run the Keyward server (as `npm start`; configured by KEYWARD_* environment variables, see API.md)')
      .action(async () => {
        // The one way down from the CLI: `keyward serve` runs the very code `npm start` runs.
        // eslint-disable-next-line import-x/no-restricted-paths
        const { startServer } = await import('../../main/start.js');
        await startServer();
      }),
    'KEYWARD_DATA_DIR=/var/lib/keyward KEYWARD_PORT=8080 keyward serve',
  );
}
