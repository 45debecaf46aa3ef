import type { Clock } from '../ports/clock.js';
import type { DataPlane } from '../ports/data-plane.js';
import type { Ids } from '../ports/ids.js';
import type { Store } from '../ports/store.js';
import type { Vault } from '../ports/vault.js';

/** What every use case may reach; wired once in main/. */
export interface AppDeps {
  store: Store;
  vault: Vault;
  dataPlane: DataPlane;
  clock: Clock;
  ids: Ids;
}
