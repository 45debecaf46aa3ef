import { isExternalEngine } from '../../domain/engine.js';
import type { Environment } from '../../domain/environment.js';
import type { AppDeps } from '../deps.js';
import { engineAdminUrl } from './engine-admin.js';

/** A probe answers within this, or says it cannot tell: a read of an environment must not hang on its engine. */
export const PROBE_TIMEOUT_MS = 1_500;

/**
 * Whether the environment's engine is up (it completed MariaDB's handshake), down (its port
 * refuses connections), or null when that cannot be told in time (no answer, not MariaDB, the
 * vault could not open the admin password). Undefined for an embedded environment.
 */
export async function probeEngine(
  deps: Pick<AppDeps, 'vault' | 'engines'>,
  env: Environment,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<boolean | null | undefined> {
  if (!isExternalEngine(env.engine)) return undefined;
  const engine = env.engine;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
  const probe = (async () => {
    const state = (await deps.engines.control.probe(await engineAdminUrl(deps.vault, env.id, engine))).state;
    return state === 'up' ? true : state === 'down' ? false : null;
  })().catch(() => null);
  try {
    return await Promise.race([probe, late]);
  } finally {
    clearTimeout(timer);
  }
}
