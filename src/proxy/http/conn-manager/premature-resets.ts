// Envoy's premature-reset guard (CVE-2023-44487, HTTP/2 rapid reset): per downstream connection, the streams
// closed and those reset before a response within the minimum lifetime, and when that makes the connection abusive.
import { runtime } from '../../runtime/runtime.js';
import type { StreamInfo } from '../stream-info.js';

/** Streams a connection must have closed before the ratio is judged (default 500). */
export const PREMATURE_RESET_TOTAL_STREAM_COUNT_KEY = 'overload.premature_reset_total_stream_count';
/** A stream that lived longer than this many whole seconds is never premature (default 1). */
export const PREMATURE_RESET_MIN_STREAM_LIFETIME_SECONDS_KEY = 'overload.premature_reset_min_stream_lifetime_seconds';

/** Envoy's isPrematureRstStream: ended within the minimum lifetime (whole seconds) without a response code. */
function isPremature(info: StreamInfo): boolean {
  const lifetimeS = Math.floor((info.durationMs ?? info.elapsedMs()) / 1000);
  if (lifetimeS > runtime.getInteger(PREMATURE_RESET_MIN_STREAM_LIFETIME_SECONDS_KEY, 1)) return false;
  return info.responseCode === 0;
}

/** The counts of one connection (Envoy's closed_non_internally_destroyed_requests_ and number_premature_stream_resets_). */
export class PrematureResetTracker {
  private closed = 0;
  private premature = 0;

  /**
   * Counts a finished stream; true when the connection should now be closed (Envoy's maybeDrainDueToPrematureResets):
   * at least half of `limit` streams were premature resets, or half of all once `limit` streams have closed.
   */
  onStreamClosed(info: StreamInfo): boolean {
    this.closed++;
    if (isPremature(info)) this.premature++;
    const limit = runtime.getInteger(PREMATURE_RESET_TOTAL_STREAM_COUNT_KEY, 500);
    // Before `limit` streams: close as soon as even all-good later streams could not bring the ratio below half.
    return this.premature * 2 >= (this.closed < limit ? limit : this.closed);
  }
}
