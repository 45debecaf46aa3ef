/**
 * Builds the admin center (web/ → web/dist) when it is missing or older than its sources, so
 * `npm start` serves the UI on a fresh clone without a separate step, and a start with an
 * up-to-date build costs only a few stat calls. `--force` always builds (`npm run build:web`).
 *
 * Test files running in parallel may all ask at once: a lock directory lets one build while
 * the others wait, then find the build fresh.
 */
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'vite';

const WEB = resolve(import.meta.dirname, '../web');
const INDEX = join(WEB, 'dist/index.html');
const LOCK = join(WEB, '.build-lock');
const INPUTS = ['src', 'index.html', 'vite.config.ts'].map((p) => join(WEB, p));
/** A lock older than this was left by a build that died; builds take seconds. */
const STALE_LOCK_MS = 5 * 60_000;

function newestMtime(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((entry) => newestMtime(join(path, entry))));
}

export function webBuildIsStale(): boolean {
  const built = statSync(INDEX, { throwIfNoEntry: false });
  return !built || Math.max(...INPUTS.map(newestMtime)) > built.mtimeMs;
}

async function withLock<T>(work: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const held = statSync(LOCK, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** Builds if needed (or always, with force); says which. */
export async function buildWeb(options: { force?: boolean } = {}): Promise<'built' | 'fresh'> {
  if (!options.force && !webBuildIsStale()) return 'fresh';
  return withLock(async () => {
    // Another process may have built it while this one waited for the lock.
    if (!options.force && !webBuildIsStale()) return 'fresh';
    await build({ configFile: join(WEB, 'vite.config.ts'), logLevel: 'warn' });
    return 'built';
  });
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const started = Date.now();
  buildWeb({ force: process.argv.includes('--force') }).then(
    (outcome) => {
      if (outcome === 'built') process.stdout.write(`Admin center built into web/dist in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
    },
    (error: unknown) => {
      process.stderr.write(`build-web: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
