import { fail } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import type { TenantKey } from '../../domain/tenant-key.js';
import type { OperationOf } from '../../domain/operation.js';
import { readByok, type KeyFileKey } from '../../crypto/key-files/index.js';
import type { AppDeps } from '../deps.js';
import { audited } from '../audit.js';
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
  acknowledgeRisk: boolean | undefined;
}

/** R5: a key brought by the tenant, as a password-protected .pfx or a BYOK transfer blob. */
export function uploadKey(
  deps: AppDeps,
  actor: Principal,
  tenantId: string,
  input: UploadKeyInput,
): Promise<{ key: TenantKey; operation: OperationOf<'activate-key'> | null }> {
  return audited(deps, actor, keyAttempt(deps, tenantId, 'key.upload', `region:${input.region}`), async () => {
    const tenant = await loadKeyTenant(deps.store, actor, tenantId, input.region);
    assertRiskAcknowledged(input.acknowledgeRisk);
    // Early, before the key file's KDF is paid for; checked again under the region's lock.
    await assertKeyMayBeAdded(deps.store, tenant, input.region, input.name);
    const read = () => readKeyFile(deps, tenantId, input);
    const { material, exchangeKeyId } = await (input.format === 'pfx' ? withPasswordAttempt(deps, actor, tenantId, read) : read());
    const source = input.format;
    return addTenantKey(
      deps,
      actor,
      { tenant, region: input.region, name: input.name, source, material, ...(exchangeKeyId === undefined ? {} : { exchangeKeyId }) },
      'uploaded',
    );
  });
}

/**
 * Reads an uploaded key file into key material, or refuses with BAD_PASSWORD / INVALID_KEY_FILE.
 * For a .byok, also names the key-exchange key it came through (single-use: add-tenant-key.ts).
 */
export async function readKeyFile(
  deps: AppDeps,
  tenantId: string,
  input: { format: 'pfx' | 'byok'; file: Buffer; password?: string; region: string },
): Promise<{ material: KeyFileKey; exchangeKeyId?: string }> {
  if (input.format === 'pfx') return { material: await deps.keyFiles.work.readPfx(tenantId, input.file, input.password) };
  if (input.password !== undefined) fail('VALIDATION_FAILED', 'A .byok file has no password; leave "password" out.');
  let exchangeKeyId: string | undefined;
  const material = await readByok(input.file, {
    keks: async (kid) => {
      const record = await exchangeKeyRecord(deps, kid);
      if (record) exchangeKeyId = kid;
      return record;
    },
    tenantId,
    region: input.region,
    now: deps.clock.now(),
  });
  return { material, ...(exchangeKeyId === undefined ? {} : { exchangeKeyId }) };
}
