// A request for a stream that the pool has not answered yet: queued for a connection, or
// promised a ready connection and waiting for the pool's next tick.
import type { ResponseDecoder } from '../../http/codec/types.js';
import type { Cancellable, PoolCallbacks } from '../types.js';
import type { ActiveClient } from './active-client.js';

/** What a pending stream reports its cancellation to. */
export interface PendingOwner {
  onPendingCancel(s: PendingStream): void;
}

/** One outstanding newStream() call. */
export class PendingStream implements Cancellable {
  /** The connection reserved for it (ready path), or null while queued. */
  client: ActiveClient | null = null;
  cancelled = false;
  /** Whether it counts in the pending queue (stats, circuit breaker). */
  queued = false;

  constructor(private readonly owner: PendingOwner, readonly decoder: ResponseDecoder,
    readonly callbacks: PoolCallbacks) {}

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.owner.onPendingCancel(this);
  }
}
