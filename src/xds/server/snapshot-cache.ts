// Snapshots by node key (node id by default, or a group such as the node's cluster), with
// watchers: setSnapshot() hands the new snapshot to every stream of that key at once.
import type { Node } from '../gen/envoy/config/core/v3/base_pb.js';
import type { Snapshot } from './snapshot.js';

/** Called with the new snapshot of a key (undefined when it is cleared). */
export type SnapshotListener = (snapshot: Snapshot | undefined) => void;

/** Maps a node to the key its snapshot is stored under. */
export type NodeKeyFn = (node: Node) => string;

/** Options of a SnapshotCache. */
export interface SnapshotCacheOptions {
  /** The key of a node's snapshot; default the node id (Envoy's --service-node / gRPC bootstrap node.id). */
  nodeKey?: NodeKeyFn;
}

/** Snapshots keyed by node id or node group; streams watch their key. */
export class SnapshotCache {
  /** The key function streams use to find their snapshot. */
  readonly nodeKey: NodeKeyFn;
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly watchers = new Map<string, Set<SnapshotListener>>();

  constructor(options: SnapshotCacheOptions = {}) {
    this.nodeKey = options.nodeKey ?? ((node) => node.id);
  }

  /** Stores the snapshot of `key` and pushes it to every connected stream of that key. */
  setSnapshot(key: string, snapshot: Snapshot): void {
    this.snapshots.set(key, snapshot);
    this.notify(key, snapshot);
  }

  /** The current snapshot of `key`, if any. */
  getSnapshot(key: string): Snapshot | undefined {
    return this.snapshots.get(key);
  }

  /** Forgets the snapshot of `key`; connected streams keep what they have and get nothing new. */
  clearSnapshot(key: string): void {
    if (this.snapshots.delete(key)) this.notify(key, undefined);
  }

  /** Every key that has a snapshot. */
  keys(): string[] {
    return [...this.snapshots.keys()];
  }

  /** Calls `listener` on every change of `key`'s snapshot; returns the function that stops it. */
  watch(key: string, listener: SnapshotListener): () => void {
    let set = this.watchers.get(key);
    if (!set) this.watchers.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      const s = this.watchers.get(key);
      if (!s) return;
      s.delete(listener);
      if (s.size === 0) this.watchers.delete(key);
    };
  }

  private notify(key: string, snapshot: Snapshot | undefined): void {
    const set = this.watchers.get(key);
    if (!set) return;
    // A listener may unwatch while we iterate (a stream closing on write): copy first.
    for (const l of [...set]) l(snapshot);
  }
}
