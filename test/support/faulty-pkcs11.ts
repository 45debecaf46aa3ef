import pkcs11js, { type PKCS11 } from 'pkcs11js';

/**
 * A PKCS#11 module that fails: wraps a loaded pkcs11js instance so that a seeded, configurable
 * fraction of its C_* calls throw CKR_DEVICE_ERROR, the way a flaky HSM or network HSM link
 * does. A fault comes either before the call reaches the token (nothing happened) or after it
 * (the token did it, the answer was lost), which is what makes retries leave orphans if code is
 * careless. Every call is counted, faulted or not, so tests can also assert how often something
 * was attempted (a PIN, for one).
 *
 *   const p = wrapPkcs11(loaded, { failureRate: 0.2, seed: 7 });
 *   new Pkcs11Vault({ ..., pkcs11: p });
 *   p.failureRate = 0; // later, to look at the token undisturbed
 */
export interface FaultOptions {
  /** 0..1: the chance that a given call fails. */
  failureRate: number;
  /** Same seed, same sequence of faults (given the same calls). */
  seed: number;
  /** Where faults land; 'either' picks at random per fault. Default 'either'. */
  when?: 'before' | 'after' | 'either';
  /** Which C_* methods may fail; default all. C_Finalize is a good one to spare. */
  canFail?: (method: string) => boolean;
}

export interface FaultControls {
  failureRate: number;
  /** Calls per method name (C_DecryptAsync counted as such), faulted ones included. */
  readonly calls: Map<string, number>;
  /** The faults injected so far, in order. */
  readonly faults: Array<{ method: string; when: 'before' | 'after' }>;
}

export type FaultyPkcs11 = PKCS11 & FaultControls;

/** mulberry32: small, seedable, good enough to spread faults. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function deviceError(method: string): Error {
  // The same class and shape pkcs11js throws for a real CKR_DEVICE_ERROR.
  return new pkcs11js.Pkcs11Error(`CKR_DEVICE_ERROR:${pkcs11js.CKR_DEVICE_ERROR}`, pkcs11js.CKR_DEVICE_ERROR, method);
}

export function wrapPkcs11(inner: PKCS11, options: FaultOptions): FaultyPkcs11 {
  const random = prng(options.seed);
  const controls: FaultControls = { failureRate: options.failureRate, calls: new Map(), faults: [] };
  const canFail = options.canFail ?? (() => true);

  const decide = (method: string): 'before' | 'after' | undefined => {
    controls.calls.set(method, (controls.calls.get(method) ?? 0) + 1);
    if (!canFail(method) || random() >= controls.failureRate) return undefined;
    const when = options.when === 'before' || options.when === 'after' ? options.when : random() < 0.5 ? 'before' : 'after';
    controls.faults.push({ method, when });
    return when;
  };

  const wrap = (method: string, fn: (...args: unknown[]) => unknown) =>
    function (...args: unknown[]): unknown {
      const fault = decide(method);
      if (fault === 'before') {
        if (method.endsWith('Async')) return Promise.reject(deviceError(method));
        throw deviceError(method);
      }
      const result = fn.apply(inner, args);
      if (fault !== 'after') return result;
      if (result instanceof Promise) return result.then(() => Promise.reject(deviceError(method)));
      throw deviceError(method);
    };

  const wrapped = new Map<string, (...args: unknown[]) => unknown>();
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'failureRate' || property === 'calls' || property === 'faults') return controls[property];
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (!property.startsWith('C_')) return fn.bind(target);
      let w = wrapped.get(property);
      if (!w) wrapped.set(property, (w = wrap(property, fn)));
      return w;
    },
    set(target, property, value) {
      if (property === 'failureRate') {
        controls.failureRate = Number(value);
        return true;
      }
      return Reflect.set(target, property, value);
    },
  }) as FaultyPkcs11;
}
