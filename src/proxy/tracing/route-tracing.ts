// A route's own tracing (Route.tracing), compiled once with the route table: it replaces the HCM's
// three samplings whole, unset ones at 100% (Envoy's RouteTracingImpl), and adds its custom tags.
import type { FractionalPercent } from '../../xds/gen/envoy/type/v3/percent_pb.js';
import type { Tracing as RouteTracing } from '../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import { compileCustomTags, type CompiledCustomTag } from './custom-tags.js';
import type { SamplingConfig } from './trace-reason.js';

export interface RouteTracingOverride {
  readonly sampling: SamplingConfig;
  readonly customTags: readonly CompiledCustomTag[];
}

/** A FractionalPercent in the basis points SamplingConfig holds; unset is 100%. */
function fraction(p: FractionalPercent | undefined): number {
  if (p === undefined) return 10000;
  const per = [100, 10000, 1000000][p.denominator] ?? 100;
  return Math.min(10000, (p.numerator * 10000) / per);
}

/** The route's override, or null when it sets no `tracing`. */
export function compileRouteTracing(t: RouteTracing | undefined): RouteTracingOverride | null {
  if (t === undefined) return null;
  return {
    sampling: { client: fraction(t.clientSampling), random: fraction(t.randomSampling), overall: fraction(t.overallSampling) },
    customTags: compileCustomTags(t.customTags),
  };
}
