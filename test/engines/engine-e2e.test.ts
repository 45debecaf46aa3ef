import { afterAll, beforeAll, describe, it } from 'vitest';
import { client, startServer, type TestServer } from '../support/server.js';
import { requireMariaDb, type MariaDb } from '../support/mariadb.js';
import { playEngineStory } from './engine-story.js';

/**
 * SPEC E1-E6 end to end on Keyward's embedded defaults (SQLite, software vault), with real
 * mariadbd processes keyed by the real server (engine-story.ts).
 */
const SUITE = 'MariaDB keyed by Keyward end to end (SQLite, software vault)';

if (requireMariaDb(SUITE)) {
  describe(SUITE, () => {
    let server: TestServer;
    const engines: MariaDb[] = [];
    beforeAll(async () => {
      server = await startServer({ KEYWARD_PFX_ITERATIONS: '2048' });
    });
    afterAll(async () => {
      for (const engine of engines) await engine.destroy();
      await server?.stop();
    });

    it(
      'encrypts at rest, rewraps under writes, stops at a lock, cannot restart until unlocked, and reads every row after',
      { timeout: 240_000 },
      async () => {
        const timings: Record<string, number> = {};
        await playEngineStory({ api: client(server.url), operatorToken: server.operatorToken, track: (e) => engines.push(e), timings });
        console.log(`engine story (SQLite): ${JSON.stringify(timings)}`);
      },
    );
  });
}
