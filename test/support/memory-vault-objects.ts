import type { VaultObjectKind, VaultObjectRepo } from '../../src/ports/vault.js';

/** The software vault's object table in memory, for tests of the vault itself (not of the store). */
export function memoryVaultObjects(): VaultObjectRepo & { readonly size: number } {
  const objects = new Map<string, { kind: VaultObjectKind; sealed: string }>();
  return {
    get size() {
      return objects.size;
    },
    get: (handle) => Promise.resolve(objects.get(handle)?.sealed),
    putIfAbsent(handle, kind, sealed) {
      if (!objects.has(handle)) objects.set(handle, { kind, sealed });
      return Promise.resolve(objects.get(handle)!.sealed);
    },
    list: (kind) =>
      Promise.resolve(
        [...objects]
          .filter(([, o]) => o.kind === kind)
          .map(([handle]) => handle)
          .sort(),
      ),
    remove(handle) {
      objects.delete(handle);
      return Promise.resolve();
    },
    scrub: () => Promise.resolve(),
  };
}
