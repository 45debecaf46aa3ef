import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { deriveEngineKey } from '../../src/crypto/engine-keys.js';
import type { EngineAccess, EngineKeyAnswer, EngineKeyLookup, EngineKeyRequest } from '../../src/ports/engine-key-lookup.js';

/**
 * A stand-in for Keyward's store behind the engine key service: environments held in memory,
 * each with a random DEK and engine token (kept only as SHA-256), keys derived by the real
 * crypto/engine-keys.ts. It tests the layer below the core (HTTP surface, plugin, mariadbd);
 * the core's own lookup replaces it in phase 2.
 */
export type EngineKeyMode = 'serve' | 'refuse' | 'drop';

interface MemoryEnvironment {
  dek: Buffer;
  tokenHash: Buffer;
  latestVersion: number;
  oldestVersion: number;
  mode: EngineKeyMode;
  refusedKeyIds: Set<number>;
}

export interface EngineKeyEvent {
  environmentId: string;
  keyId: number | undefined;
  version: number | undefined;
  answer: EngineKeyAnswer['kind'] | 'allowed';
}

const hash = (token: string) => createHash('sha256').update(token, 'utf8').digest();

export class MemoryEngineKeys implements EngineKeyLookup {
  private readonly environments = new Map<string, MemoryEnvironment>();
  readonly events: EngineKeyEvent[] = [];

  /** A new environment; returns its engine token (shown once, like POST …/engine/token). */
  add(environmentId: string): { token: string; dek: Buffer } {
    const token = `kwe_${randomBytes(24).toString('base64url')}`;
    const dek = randomBytes(32);
    this.environments.set(environmentId, {
      dek,
      tokenHash: hash(token),
      latestVersion: 1,
      oldestVersion: 1,
      mode: 'serve',
      refusedKeyIds: new Set(),
    });
    return { token, dek: Buffer.from(dek) };
  }

  set(
    environmentId: string,
    change: Partial<Pick<MemoryEnvironment, 'latestVersion' | 'oldestVersion' | 'mode'>> & { refusedKeyIds?: number[] },
  ): void {
    const environment = this.must(environmentId);
    const { refusedKeyIds, ...rest } = change;
    Object.assign(environment, rest);
    if (refusedKeyIds) environment.refusedKeyIds = new Set(refusedKeyIds);
  }

  /** Events of one environment, optionally only those after `since` (an index into events). */
  eventsOf(environmentId: string, since = 0): EngineKeyEvent[] {
    return this.events.slice(since).filter((e) => e.environmentId === environmentId);
  }

  authorize(request: { token: string | undefined; environmentId: string }): Promise<EngineAccess> {
    const access = this.access(request.environmentId, request.token);
    this.events.push({ environmentId: request.environmentId, keyId: undefined, version: undefined, answer: access.kind });
    return Promise.resolve(access);
  }

  resolve(request: EngineKeyRequest): Promise<EngineKeyAnswer> {
    const answer = this.answer(request);
    this.events.push({ environmentId: request.environmentId, keyId: request.keyId, version: request.version, answer: answer.kind });
    return Promise.resolve(answer);
  }

  private answer(request: EngineKeyRequest): EngineKeyAnswer {
    const access = this.access(request.environmentId, request.token);
    if (access.kind !== 'allowed') return access;
    const environment = this.must(request.environmentId);
    const version = request.version ?? environment.latestVersion;
    if (environment.refusedKeyIds.has(request.keyId) || version < environment.oldestVersion || version > environment.latestVersion) {
      return { kind: 'forbidden' };
    }
    return { kind: 'key', version, key: deriveEngineKey(environment.dek, { environmentId: request.environmentId, keyId: request.keyId, version }) };
  }

  private access(environmentId: string, token: string | undefined): EngineAccess {
    const environment = this.environments.get(environmentId);
    if (!environment || token === undefined) return { kind: 'forbidden' };
    const presented = hash(token);
    if (!timingSafeEqual(presented, environment.tokenHash)) return { kind: 'forbidden' };
    if (environment.mode === 'drop') return { kind: 'unavailable' };
    if (environment.mode === 'refuse') return { kind: 'forbidden' };
    return { kind: 'allowed' };
  }

  private must(environmentId: string): MemoryEnvironment {
    const environment = this.environments.get(environmentId);
    if (!environment) throw new Error(`no environment ${environmentId}`);
    return environment;
  }
}
