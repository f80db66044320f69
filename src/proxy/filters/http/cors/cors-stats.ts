// The CORS filter's stats, `http.<stat_prefix>.cors.*`, with Envoy's names: requests whose Origin
// header matched the policy and requests whose Origin did not (requests without one count in neither).
import type { Counter, Scope } from '../../../stats/store.js';

/** Handles for the CORS counters of one filter config. */
export interface CorsStats {
  readonly origin_valid: Counter;
  readonly origin_invalid: Counter;
}

/** Resolves the CORS stats under `scope` (`http.<stat_prefix>.cors`). */
export function createCorsStats(scope: Scope): CorsStats {
  return { origin_valid: scope.counter('origin_valid'), origin_invalid: scope.counter('origin_invalid') };
}
