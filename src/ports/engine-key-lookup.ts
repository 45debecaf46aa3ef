/**
 * What the engine key service (http/engine-key-service.ts, the Vault KV v2 surface MariaDB's
 * hashicorp_key_management plugin reads) asks of the core. The core implements it over the
 * store and the vault: check the environment's engine token (stored hashed), unwrap its DEK,
 * derive the key (crypto/engine-keys.ts).
 *
 * Three answers, because the engine treats them differently (SPEC E2, E5):
 * - `key`: the bytes, 32 of them, and the version they are (the latest when none was asked);
 *   the service hex-encodes and then zeroes them.
 * - `forbidden`: answered 403 `{"errors":["permission denied"]}`: unknown or missing token,
 *   another environment's token, a version not served. An engine fails loudly on it; at its
 *   shutdown it ABORTS (InnoDB assertion), so never answer it to an engine that is entitled.
 * - `unavailable`: the connection is dropped with no HTTP answer: a transient fault of Keyward
 *   (store or vault down). The engine falls back to the keys it has cached and keeps running,
 *   and cannot start without them. Also the safe answer to a locked environment's own engine,
 *   which may still be flushing its last pages after its port closed.
 * A lookup that throws or takes too long is treated as `unavailable`.
 */
export interface EngineKeyRequest {
  /** The X-Vault-Token header as sent; undefined when there was none. */
  token: string | undefined;
  environmentId: string;
  keyId: number;
  /** undefined: the latest version. */
  version: number | undefined;
}

export type EngineKeyAnswer = { kind: 'key'; version: number; key: Buffer } | { kind: 'forbidden' } | { kind: 'unavailable' };

/** For the mount check the plugin makes at start: is this the environment's token? */
export type EngineAccess = { kind: 'allowed' } | { kind: 'forbidden' } | { kind: 'unavailable' };

export interface EngineKeyLookup {
  authorize(request: { token: string | undefined; environmentId: string }): Promise<EngineAccess>;
  resolve(request: EngineKeyRequest): Promise<EngineKeyAnswer>;
}
