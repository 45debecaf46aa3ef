import { buildWeb } from '../../../scripts/build-web.js';

/** The browser tests run against the built UI: build it first if web/src is newer (fast when fresh). */
export async function ensureWebBuilt(): Promise<void> {
  await buildWeb();
}
