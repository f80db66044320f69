// What the discovery server needs of the config store: everything it holds, and a change feed.
import type { ConfigObject } from '../config/object.js';
import type { ConfigEvent } from '../config/store.js';

export interface ConfigSource {
  /** Every stored object of every kind. */
  all(): ConfigObject[];
  /** Calls `handler` on every change; returns the function that stops it. */
  watch(handler: (event: ConfigEvent) => void): () => void;
}
