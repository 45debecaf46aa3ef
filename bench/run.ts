// `npm run bench [name…]`: runs every bench/*.bench.ts (or those whose file name contains one of
// the given words) one after another in this process. Each prints its figures as ratios against
// a baseline measured in the same run, so numbers from different machines stay comparable.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
  .sort();

for (const file of files) {
  console.log(`\n=== ${file.replace('.bench.ts', '')} ===`);
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { run: () => Promise<void> };
  await mod.run();
}
