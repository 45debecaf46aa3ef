import type { VaultObjectKind, VaultObjectRepo } from '../../src/ports/vault.js';

/** The software vault's object table in memory, for tests of the vault itself (not of the store). */
export function memoryVaultObjects(): VaultObjectRepo & { readonly size: number } {
  const objects = new Map<string, { kind: VaultObjectKind; sealed: string }>();
  let marker: string | undefined;
  return {
    get size() {
      return objects.size;
    },
    get: (handle) => Promise.resolve(objects.get(handle)?.sealed),
    putIfAbsent(handle, kind, sealed, sealedUnder) {
      marker ??= sealedUnder;
      if (marker !== sealedUnder) return Promise.resolve({ stale: true as const });
      if (!objects.has(handle)) objects.set(handle, { kind, sealed });
      return Promise.resolve({ stored: objects.get(handle)!.sealed });
    },
    list: (kind) =>
      Promise.resolve(
        [...objects]
          .filter(([, o]) => o.kind === kind)
          .map(([handle]) => handle)
          .sort(),
      ),
    sealingKey: () => Promise.resolve(marker),
    resealAll(from, to, reseal) {
      if (marker !== from) return Promise.resolve(false);
      for (const [handle, o] of objects) objects.set(handle, { kind: o.kind, sealed: reseal({ handle, ...o }) });
      marker = to;
      return Promise.resolve(true);
    },
    remove(handle) {
      objects.delete(handle);
      return Promise.resolve();
    },
    scrub: () => Promise.resolve(),
  };
}
