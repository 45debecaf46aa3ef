/** Makes identifiers; injected so tests can predict them. */
export interface Ids {
  /** A new unique id with a readable prefix, e.g. `env_…`. */
  next(prefix: string): string;
}
