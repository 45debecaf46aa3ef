import { engineKeysServed, isExternalEngine, servedEngineKeyVersion, type MariaDbEngine } from '../../domain/engine.js';
import type { Environment } from '../../domain/environment.js';
import { deriveEngineKey } from '../../crypto/engine-keys.js';
import { unwrapDek } from '../../crypto/envelope.js';
import type { EngineAccess, EngineKeyAnswer, EngineKeyLookup, EngineKeyRequest } from '../../ports/engine-key-lookup.js';
import type { AppDeps } from '../deps.js';
import { hashToken, sameHash } from '../tokens.js';

/** The probe's "last fetched" needs minutes, not milliseconds: one write per environment per minute at most. */
export const KEY_FETCH_RECORD_INTERVAL_MS = 60_000;

type EngineEnvironment = Environment & { engine: MariaDbEngine };
type Entitled = { kind: 'entitled'; env: EngineEnvironment };

/**
 * The core of the engine key service (ports/engine-key-lookup.ts, SPEC E2-E5): an engine's
 * token, checked against its environment's stored hash, reaches that environment's keys and
 * nothing else; each key (id, version) is derived from the environment's DEK, unwrapped through
 * the normal envelope (whatever protects it now: provider key or tenant key) and held in memory
 * while the keys are served (engine-dek-cache.ts).
 *
 * - Unknown environment, not an engine's, no token issued, another token: `forbidden` (403).
 * - The right token while the keys are not served (a lock confirmed the engine down, locked,
 *   unlocking, deleted): `unavailable`, a dropped connection, never an HTTP error, since a
 *   MariaDB still flushing its last pages aborts on one (INVARIANTS 1); its DEK is dropped here.
 * - A version later than the latest: `forbidden` (never served, so no engine can need it).
 * - A store or vault fault throws, which the service answers as `unavailable` (SPEC E5).
 *
 * The row is read on every request, so a lock on any instance is seen by the next request on
 * every other; only the unwrap is saved.
 */
export function engineKeyLookup(deps: Pick<AppDeps, 'store' | 'vault' | 'clock' | 'realClock' | 'engines'>): EngineKeyLookup {
  const lastRecorded = new Map<string, number>();

  async function entitled(token: string | undefined, environmentId: string): Promise<Entitled | EngineAccess> {
    if (token === undefined) return { kind: 'forbidden' };
    const env = await deps.store.environments.get(environmentId);
    if (!env || !isExternalEngine(env.engine) || env.engine.tokenHash === null) return { kind: 'forbidden' };
    if (!sameHash(hashToken(token), env.engine.tokenHash)) return { kind: 'forbidden' };
    if (!engineKeysServed(env.encryption.status, env.engine)) {
      deps.engines.deks.drop(env.id);
      return { kind: 'unavailable' };
    }
    return { kind: 'entitled', env: env as EngineEnvironment };
  }

  /** Fire and forget: a slow or failing write must never hold up or fail a key. */
  function recordFetch(env: EngineEnvironment): void {
    const now = deps.realClock.now().getTime();
    const last = lastRecorded.get(env.id);
    if (last !== undefined && now - last < KEY_FETCH_RECORD_INTERVAL_MS) return;
    lastRecorded.set(env.id, now);
    deps.store.environments.recordEngineKeyFetch(env.id, deps.clock.now()).catch(() => lastRecorded.delete(env.id));
  }

  return {
    async authorize(request): Promise<EngineAccess> {
      const access = await entitled(request.token, request.environmentId);
      return access.kind === 'entitled' ? { kind: 'allowed' } : access;
    },

    async resolve(request: EngineKeyRequest): Promise<EngineKeyAnswer> {
      const access = await entitled(request.token, request.environmentId);
      if (access.kind !== 'entitled') return access.kind === 'allowed' ? { kind: 'forbidden' } : access;
      const { env } = access;
      const version = servedEngineKeyVersion(env.engine, request.version);
      if (version === undefined) return { kind: 'forbidden' };
      const dek = await deps.engines.deks.get(env.id, env.wrappedDek, () => unwrapDek(deps.vault, env.wrappedDek, env.id, env.encryption.keyId));
      try {
        const key = deriveEngineKey(dek, { environmentId: env.id, keyId: request.keyId, version });
        recordFetch(env);
        return { kind: 'key', version, key };
      } finally {
        dek.fill(0);
      }
    },
  };
}
