import { describe, expect, it } from 'vitest';
import { ENCRYPTION_STATUSES } from './environment-status.js';
import { assertEmbedded, EMBEDDED, engineKeysServed, servedEngineKeyVersion, type MariaDbEngine } from './engine.js';

const engine = (over: Partial<MariaDbEngine> = {}): MariaDbEngine => ({
  kind: 'mariadb',
  host: 'db',
  port: 3306,
  user: 'keyward',
  sealedPassword: 'kw1:x:y:z',
  tokenHash: null,
  keyVersion: 3,
  stoppedAt: null,
  lastKeyFetchAt: null,
  ...over,
});

describe('engine rules', () => {
  it('serve keys while ready or rewrapping, and during a lock only until the engine is confirmed down (SPEC E4)', () => {
    const served = Object.fromEntries(ENCRYPTION_STATUSES.map((s) => [s, engineKeysServed(s, engine())]));
    expect(served).toEqual({ ready: true, updating: true, locking: true, locked: false, unlocking: false, deleted: false });
    expect(engineKeysServed('locking', engine({ stoppedAt: new Date() }))).toBe(false);
  });

  it('serve the latest version, or any earlier one asked for, never a later one', () => {
    expect(servedEngineKeyVersion(engine(), undefined)).toBe(3);
    expect([1, 2, 3, 4].map((v) => servedEngineKeyVersion(engine(), v))).toEqual([1, 2, 3, undefined]);
  });

  it('refuse Keyward’s data operations on an engine’s environment (SPEC E6)', () => {
    expect(() => assertEmbedded({ name: 'Plain', engine: EMBEDDED }, 'backups')).not.toThrow();
    expect(() => assertEmbedded({ name: 'Orders', engine: engine() }, 'backups')).toThrow(
      /CONFLICT: The environment "Orders" lives in its MariaDB server/,
    );
  });
});
