// Conversions of protobuf Durations to milliseconds, with Envoy's "unset means default" rule.
// Used wherever a config field is a google.protobuf.Duration.
import type { Duration } from '@bufbuild/protobuf/wkt';

/** A Duration in ms, or `dflt` when the field is unset. */
export function durationMs(d: Duration | undefined, dflt: number): number {
  if (d === undefined) return dflt;
  return Number(d.seconds) * 1000 + Math.floor(d.nanos / 1e6);
}
