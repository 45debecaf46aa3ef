import { randomBytes } from 'node:crypto';
import { isExternalEngine } from '../../domain/engine.js';
import { fail } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import type { AppDeps } from '../deps.js';
import { audited, recordAudit } from '../audit.js';
import { environmentAttempt, loadEnvironmentForEncryption } from '../encryption/encryption-access.js';
import { hashToken } from '../tokens.js';

/** 256 random bits, like bearer tokens; its own prefix, so people tell the two apart. */
export const newEngineToken = (): string => `kwe_${randomBytes(32).toString('base64url')}`;

/**
 * SPEC E2: issues the engine its key-service token, for MariaDB's `hashicorp-key-management-token`.
 * Shown once; only its SHA-256 is stored, replacing the previous one in the same statement, so the
 * old token stops working at once (an engine still running on it keeps its cached keys, and
 * needs the new one to start). Tenant admins and the environment's env-admin may (R19), as for
 * the environment's other encryption settings.
 */
export function issueEngineToken(deps: AppDeps, actor: Principal, environmentId: string): Promise<{ environmentId: string; token: string }> {
  return audited(deps, actor, environmentAttempt(deps, environmentId, 'environment.engine-token'), async () => {
    const env = await loadEnvironmentForEncryption(deps.store, actor, environmentId);
    if (!isExternalEngine(env.engine)) {
      fail('CONFLICT', `The environment "${env.name}" is embedded: its data lives in Keyward, and there is no engine to give a token to.`);
    }
    const token = newEngineToken();
    await deps.store.transaction(async (tx) => {
      if (!(await tx.environments.setEngineToken(env.id, hashToken(token)))) fail('NOT_FOUND', `No environment ${environmentId}.`);
      await recordAudit(tx, deps, {
        tenantId: env.tenantId,
        action: 'environment.engine-token',
        target: `environment:${env.id}`,
        actor,
        outcome: 'allowed',
        detail: 'new engine token issued; the previous one no longer works',
      });
    });
    return { environmentId: env.id, token };
  });
}
