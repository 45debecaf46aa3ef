import type { Principal } from '../../domain/principal.js';
import type { TenantKey } from '../../domain/tenant-key.js';
import type { OperationOf } from '../../domain/operation.js';
import type { RsaKeySize } from '../../crypto/key-files/index.js';
import type { AppDeps } from '../deps.js';
import { audited } from '../audit.js';
import { addTenantKey, assertKeyMayBeAdded } from './add-tenant-key.js';
import { assertRiskAcknowledged, keyAttempt, loadKeyTenant } from './key-access.js';

export interface GenerateKeyInput {
  region: string;
  name: string;
  password: string;
  acknowledgeRisk: boolean;
  keySize?: RsaKeySize;
}

/**
 * R4: Keyward makes an RSA key and hands it out once as a .pfx protected by the caller's
 * password. Neither the password nor the file is kept; the private half goes into the vault.
 */
export function generateKey(
  deps: AppDeps,
  actor: Principal,
  tenantId: string,
  input: GenerateKeyInput,
): Promise<{ key: TenantKey; pfx: Buffer; operation: OperationOf<'activate-key'> | null }> {
  return audited(deps, actor, keyAttempt(deps, tenantId, 'key.generate', `region:${input.region}`), async () => {
    const tenant = await loadKeyTenant(deps.store, actor, tenantId, input.region);
    assertRiskAcknowledged(input.acknowledgeRisk);
    // Early, before a second of key generation is spent; checked again under the region's lock.
    await assertKeyMayBeAdded(deps.store, tenant, input.region, input.name);
    const generated = await deps.keyFiles.work.generatePfx(tenantId, {
      keyName: input.name,
      tenantName: tenant.name,
      password: input.password,
      now: deps.clock.now(),
      iterations: deps.keyFiles.pfxIterations,
      ...(input.keySize ? { keySize: input.keySize } : {}),
    });
    const added = await addTenantKey(
      deps,
      actor,
      { tenant, region: input.region, name: input.name, source: 'generated', material: generated },
      'generated',
    );
    return { ...added, pfx: generated.pfx };
  });
}
