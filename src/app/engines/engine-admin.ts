import { formatEngineAdminUrl } from '../../domain/engine-admin-url.js';
import type { MariaDbEngine } from '../../domain/engine.js';
import { openEngineSecret } from '../../crypto/engine-secret.js';
import type { Vault } from '../../ports/vault.js';

/**
 * The engine's admin URL with its password unsealed, for one call of the engine control (a
 * stop, a probe). Never stored, returned or logged; the control never keeps it either.
 */
export async function engineAdminUrl(vault: Vault, environmentId: string, engine: MariaDbEngine): Promise<string> {
  const password = await openEngineSecret(vault, engine.sealedPassword, environmentId);
  return formatEngineAdminUrl({ kind: engine.kind, host: engine.host, port: engine.port, user: engine.user, password });
}
