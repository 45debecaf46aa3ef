import { randomBytes } from 'node:crypto';
import { parseEngineAdminUrl } from '../domain/engine-admin-url.js';
import { EMBEDDED, type EnvironmentEngine } from '../domain/engine.js';
import type { Environment, EnvironmentType } from '../domain/environment.js';
import { fail } from '../domain/errors.js';
import { assertPrintableName } from '../domain/names.js';
import { assertWithinQuota } from '../domain/quotas.js';
import type { Principal } from '../domain/principal.js';
import { assertRegionOfTenant } from '../domain/tenant.js';
import { DEK_BYTES, wrapDekWithProviderKey } from '../crypto/envelope.js';
import { sealEngineSecret } from '../crypto/engine-secret.js';
import type { AppDeps } from './deps.js';
import { loadTenantFor } from './load.js';

/** Where the environment's data lives (API.md "Environments on an external engine"); embedded by default. */
export type EngineChoice = { kind: 'embedded' } | { kind: 'mariadb'; adminUrl: string };

export interface CreateEnvironmentInput {
  name: string;
  region: string;
  type: EnvironmentType;
  engine?: EngineChoice;
}

/**
 * A new environment gets its own DEK and a record holding only the DEK wrapped under the
 * provider key. An embedded environment also gets its encrypted database file, made first: a
 * crash before the record commits leaves an orphan file whose key no longer exists anywhere,
 * which is harmless. An external engine's environment has no file here (its MariaDB server
 * holds the data, SPEC E6); its admin password is sealed by the vault, bound to the
 * environment's id, and the URL that carried it is never stored, returned or logged (E1).
 */
export async function createEnvironment(deps: AppDeps, actor: Principal, tenantId: string, input: CreateEnvironmentInput): Promise<Environment> {
  const tenant = await loadTenantFor(deps.store, actor, tenantId, 'environment.create');
  assertRegionOfTenant(tenant, input.region);
  const admin = input.engine?.kind === 'mariadb' ? parseEngineAdminUrl(input.engine.adminUrl) : undefined;
  assertPrintableName(input.name, 'environment name');
  assertWithinQuota(deps.limits.quotas, 'environmentsPerTenant', (await deps.store.environments.listByTenant(tenantId)).length);
  if (await deps.store.environments.nameExists(tenantId, input.name)) {
    fail('CONFLICT', `The tenant already has an environment named "${input.name}".`);
  }
  const id = deps.ids.next('env');
  const engine: EnvironmentEngine = admin
    ? {
        kind: 'mariadb',
        host: admin.host,
        port: admin.port,
        user: admin.user,
        sealedPassword: await sealEngineSecret(deps.vault, admin.password, id),
        tokenHash: null,
        keyVersion: 1,
        stoppedAt: null,
        lastKeyFetchAt: null,
      }
    : EMBEDDED;
  const dek = randomBytes(DEK_BYTES);
  try {
    const env: Environment = {
      id,
      tenantId,
      name: input.name,
      region: input.region,
      type: input.type,
      createdAt: deps.clock.now(),
      hasFileColumns: false,
      encryption: { mode: 'provider', keyId: null, status: 'ready' },
      wrappedDek: await wrapDekWithProviderKey(deps.vault, dek, id),
      lockedAt: null,
      pendingWrappedDek: null,
      engine,
    };
    if (engine.kind !== 'embedded') {
      await deps.store.environments.insert(env);
      return env;
    }
    await deps.dataPlane.create(id, dek);
    try {
      await deps.store.environments.insert(env);
    } catch (error) {
      await deps.dataPlane.destroy(id);
      throw error;
    }
    return env;
  } finally {
    dek.fill(0);
  }
}
