/**
 * The DEKs of external-engine environments, unwrapped, held in this process's memory for the
 * key service, so a key read costs an HKDF rather than a vault operation (an RSA private-key
 * operation, in an HSM perhaps, for a tenant-key environment).
 *
 * An entry is valid for the wrapped DEK it was unwrapped from: a rewrap (apply, return,
 * activate) keeps the DEK but changes the wrapping, and the next read unwraps once more rather
 * than trusting bytes whose record changed. Entries are dropped whenever the environment's keys
 * stop being served: by the key service itself when it refuses, by a lock once the engine is
 * confirmed down, and by the handle sweep for environments another instance locked or deleted.
 * A drop also voids every unwrap still in flight (it rejects), so a lock can never be undone
 * by a late insert. `get` hands out a copy, which the caller zeroes; the cached bytes are
 * zeroed when dropped.
 */
interface Entry {
  wrappedDek: string;
  /** Set once the unwrap has finished. */
  dek: Buffer | undefined;
  loading: Promise<void>;
}

export class EngineDekCache {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by every drop: an unwrap that began before it does not count. */
  private readonly generations = new Map<string, number>();

  /** A copy of the environment's DEK as unwrapped from `wrappedDek` (by `unwrap` if not held). */
  async get(environmentId: string, wrappedDek: string, unwrap: () => Promise<Buffer>): Promise<Buffer> {
    let entry = this.entries.get(environmentId);
    if (entry && entry.wrappedDek !== wrappedDek) {
      this.drop(environmentId);
      entry = undefined;
    }
    if (entry?.dek) return Buffer.from(entry.dek);
    if (!entry) entry = this.load(environmentId, wrappedDek, unwrap);
    const generation = this.generationOf(environmentId);
    await entry.loading;
    // Dropped meanwhile (a lock, a refusal): the environment's keys are no longer served.
    if (this.generationOf(environmentId) !== generation || !entry.dek) throw new Error('The engine DEK was dropped while it was being unwrapped.');
    return Buffer.from(entry.dek);
  }

  drop(environmentId: string): void {
    this.generations.set(environmentId, this.generationOf(environmentId) + 1);
    const entry = this.entries.get(environmentId);
    if (!entry) return;
    this.entries.delete(environmentId);
    entry.dek?.fill(0);
    entry.dek = undefined;
  }

  /** Environments whose DEK this process holds (or is unwrapping) now. */
  ids(): string[] {
    return [...this.entries.keys()];
  }

  clear(): void {
    for (const id of this.ids()) this.drop(id);
  }

  private load(environmentId: string, wrappedDek: string, unwrap: () => Promise<Buffer>): Entry {
    const generation = this.generationOf(environmentId);
    const entry: Entry = { wrappedDek, dek: undefined, loading: Promise.resolve() };
    entry.loading = unwrap().then(
      (bytes) => {
        if (this.generationOf(environmentId) !== generation || this.entries.get(environmentId) !== entry) bytes.fill(0);
        else entry.dek = bytes;
      },
      (error: unknown) => {
        if (this.entries.get(environmentId) === entry) this.entries.delete(environmentId);
        throw error;
      },
    );
    this.entries.set(environmentId, entry);
    return entry;
  }

  private generationOf(environmentId: string): number {
    return this.generations.get(environmentId) ?? 0;
  }
}
