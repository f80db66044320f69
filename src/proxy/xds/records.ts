// What the xDS side remembers of each dynamic resource for /config_dump: the accepted config with
// its version and time, and the last rejected one (Envoy's UpdateFailureState).
import type { Message } from '@bufbuild/protobuf';

/** An accepted resource. */
export interface DynamicRecord<T extends Message> {
  readonly version: string;
  readonly resource: T;
  readonly lastUpdated: Date;
}

/** A rejected resource: Envoy's error_state (failed_configuration, last_update_attempt, details). */
export interface FailureRecord<T extends Message> {
  readonly version: string;
  readonly failed: T;
  readonly attempt: Date;
  readonly details: string;
}

/** Finds the names that appear twice in a response (the spec makes such a response invalid). */
export function duplicateName(names: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) return n;
    seen.add(n);
  }
  return undefined;
}
