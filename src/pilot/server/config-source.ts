// What the discovery server needs of the config store: everything it holds, and a change feed.

import type { ConfigObject } from '../config/object.js';

export interface ConfigChange {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: ConfigObject;
  old?: ConfigObject;
}

export interface ConfigSource {
  /** Every stored object of every kind. */
  all(): ConfigObject[];
  /** Calls `handler` on every change; returns the function that stops it. */
  watch(handler: (change: ConfigChange) => void): () => void;
}
