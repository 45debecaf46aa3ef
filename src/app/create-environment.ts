import { randomBytes } from 'node:crypto';
import type { Environment, EnvironmentType } from '../domain/environment.js';
import { fail } from '../domain/errors.js';
import { assertPrintableName } from '../domain/names.js';
import { assertWithinQuota } from '../domain/quotas.js';
import type { Principal } from '../domain/principal.js';
import { assertRegionOfTenant } from '../domain/tenant.js';
import { DEK_BYTES, wrapDekWithProviderKey } from '../crypto/envelope.js';
import type { AppDeps } from './deps.js';
import { loadTenantFor } from './load.js';

export interface CreateEnvironmentInput {
  name: string;
  region: string;
  type: EnvironmentType;
}

/**
 * A new environment gets its own DEK, its encrypted database file, and a record holding only the
 * DEK wrapped under the provider key. The file is made first: a crash before the record commits
 * leaves an orphan file whose key no longer exists anywhere, which is harmless.
 */
export async function createEnvironment(deps: AppDeps, actor: Principal, tenantId: string, input: CreateEnvironmentInput): Promise<Environment> {
  const tenant = await loadTenantFor(deps.store, actor, tenantId, 'environment.create');
  assertRegionOfTenant(tenant, input.region);
  assertPrintableName(input.name, 'environment name');
  assertWithinQuota(deps.limits.quotas, 'environmentsPerTenant', (await deps.store.environments.listByTenant(tenantId)).length);
  if (await deps.store.environments.nameExists(tenantId, input.name)) {
    fail('CONFLICT', `The tenant already has an environment named "${input.name}".`);
  }
  const id = deps.ids.next('env');
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
    };
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
