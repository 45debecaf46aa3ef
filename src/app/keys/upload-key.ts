import { fail } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import type { TenantKey } from '../../domain/tenant-key.js';
import type { Operation } from '../../domain/operation.js';
import { readByok, type KeyFileKey } from '../../crypto/key-files/index.js';
import type { AppDeps } from '../deps.js';
import { audited } from '../attempts.js';
import { withPasswordAttempt } from '../password-attempts.js';
import { addTenantKey, assertKeyMayBeAdded } from './add-tenant-key.js';
import { exchangeKeyRecord } from './exchange-key.js';
import { assertRiskAcknowledged, keyAttempt, loadKeyTenant } from './key-access.js';

export interface UploadKeyInput {
  region: string;
  name: string;
  format: 'pfx' | 'byok';
  file: Buffer;
  password?: string;
  acknowledgeRisk: boolean;
}

/** R5: a key brought by the tenant, as a password-protected .pfx or a BYOK transfer blob. */
export function uploadKey(
  deps: AppDeps,
  actor: Principal,
  tenantId: string,
  input: UploadKeyInput,
): Promise<{ key: TenantKey; operation: Operation | null }> {
  return audited(deps, actor, keyAttempt(deps, tenantId, 'key.upload', `region:${input.region}`), async () => {
    const tenant = await loadKeyTenant(deps.store, actor, tenantId, input.region);
    assertRiskAcknowledged(input.acknowledgeRisk);
    await assertKeyMayBeAdded(deps, tenant, input.region, input.name);
    const read = () => readKeyFile(deps, tenantId, input);
    const material = await (input.format === 'pfx' ? withPasswordAttempt(deps, actor, tenantId, read) : read());
    return addTenantKey(deps, actor, { tenant, region: input.region, name: input.name, source: input.format, material }, 'uploaded');
  });
}

/** Reads an uploaded key file into key material, or refuses with BAD_PASSWORD / INVALID_KEY_FILE. */
export async function readKeyFile(
  deps: AppDeps,
  tenantId: string,
  input: { format: 'pfx' | 'byok'; file: Buffer; password?: string; region: string },
): Promise<KeyFileKey> {
  if (input.format === 'pfx') return deps.keyFiles.work.readPfx(tenantId, input.file, input.password);
  if (input.password !== undefined) fail('VALIDATION_FAILED', 'A .byok file has no password; leave "password" out.');
  return readByok(input.file, { keks: (kid) => exchangeKeyRecord(deps, kid), tenantId, region: input.region, now: deps.clock.now() });
}
