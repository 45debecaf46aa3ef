/**
 * A least-recently-used map with a fixed capacity. Whatever leaves it — pushed out by a newer
 * entry, deleted, replaced or cleared — is handed to `dispose` exactly once; for database
 * handles that means closing them, which is what drops their key from the process.
 *
 * A Map keeps insertion order, so re-inserting on access makes its first key the least
 * recently used one: O(1) per operation without a linked list of our own.
 */
export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(
    readonly capacity: number,
    private readonly dispose: (value: V, key: K) => void,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('An LRU cache needs a capacity of at least 1.');
  }

  get size(): number {
    return this.entries.size;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** The value, marked as most recently used. */
  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  /** Inserts as most recently used, disposing of a replaced value and of any overflow. */
  set(key: K, value: V): void {
    const previous = this.entries.get(key);
    this.entries.delete(key);
    this.entries.set(key, value);
    if (previous !== undefined && previous !== value) this.dispose(previous, key);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.entries().next();
      if (oldest.done === true) break;
      const [oldKey, oldValue] = oldest.value;
      this.entries.delete(oldKey);
      this.dispose(oldValue, oldKey);
    }
  }

  /** Removes and disposes; false when the key was not there. */
  delete(key: K): boolean {
    const value = this.entries.get(key);
    if (value === undefined) return false;
    this.entries.delete(key);
    this.dispose(value, key);
    return true;
  }

  /** Removes and disposes of everything; one failing dispose does not stop the others. */
  clear(): void {
    const all = [...this.entries];
    this.entries.clear();
    const errors: unknown[] = [];
    for (const [key, value] of all) {
      try {
        this.dispose(value, key);
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'Some cache entries could not be disposed of.');
  }

  keys(): IterableIterator<K> {
    return this.entries.keys();
  }
}
