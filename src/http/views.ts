import { isCmkEligible, type Environment } from '../domain/environment.js';
import type { EnvironmentEngine } from '../domain/engine.js';
import type { User } from '../domain/principal.js';
import type { Tenant } from '../domain/tenant.js';
import type { TenantKey } from '../domain/tenant-key.js';
import type { Operation } from '../domain/operation.js';

/** Domain objects as the API shows them: ISO times, nothing internal (no wrapped keys). */
export const tenantView = (t: Tenant) => ({
  id: t.id,
  name: t.name,
  licensedSeats: t.licensedSeats,
  regions: t.regions,
  cmkOptIn: t.cmkOptIn,
  cmkEnabled: t.cmkEnabled,
  cmkEnabledAt: t.cmkEnabledAt?.toISOString() ?? null,
});

/** `up`: the probe's answer, on a read of one environment only (omitted in lists). */
export const environmentView = (e: Environment, tenant: Tenant, up?: boolean | null) => ({
  id: e.id,
  tenantId: e.tenantId,
  name: e.name,
  region: e.region,
  type: e.type,
  createdAt: e.createdAt.toISOString(),
  cmkEligible: isCmkEligible(e, tenant),
  encryption: { mode: e.encryption.mode, keyId: e.encryption.keyId, status: e.encryption.status },
  engine: engineView(e.engine, up),
});

/** Never the sealed password or the token hash (SPEC E1, E2). */
const engineView = (engine: EnvironmentEngine, up: boolean | null | undefined) =>
  engine.kind === 'embedded'
    ? { kind: engine.kind }
    : {
        kind: engine.kind,
        host: engine.host,
        port: engine.port,
        user: engine.user,
        keyVersion: engine.keyVersion,
        tokenIssued: engine.tokenHash !== null,
        ...(up === undefined ? {} : { up }),
        lastKeyFetchAt: engine.lastKeyFetchAt?.toISOString() ?? null,
      };

export const createdUserView = (u: User, token: string) => ({ id: u.id, email: u.email, roles: u.roles, token });

export const keyView = (k: TenantKey) => ({
  id: k.id,
  tenantId: k.tenantId,
  region: k.region,
  name: k.name,
  // A key being unlocked is still Locked to people until its private half is back (Installing).
  state: k.state === 'Restoring' ? 'Locked' : k.state,
  source: k.source,
  thumbprint: k.thumbprint,
  keySize: k.keySize,
  createdAt: k.createdAt.toISOString(),
  activatedAt: k.activatedAt?.toISOString() ?? null,
  lockedAt: k.lockedAt?.toISOString() ?? null,
  failureReason: k.failureReason,
});

export const operationView = (op: Operation) => ({
  id: op.id,
  type: op.type,
  status: op.status,
  progress: op.progress,
  error: op.error,
  createdAt: op.createdAt.toISOString(),
  finishedAt: op.finishedAt?.toISOString() ?? null,
  result: op.result,
});
