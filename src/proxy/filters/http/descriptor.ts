// The shape of one HTTP filter extension point: its names, config types, factory maker and
// per-route config check, so the registry, the bootstrap checks and route checks share one source.
import type { Message } from '@bufbuild/protobuf';
import type { HttpFilterFactory } from './types.js';
import type { HttpFilterContext } from './registry.js';
import type { StatsStore } from '../../stats/store.js';

/** What compiling a per-route config may use: the proxy's root stats store (as Envoy's server scope). */
export interface PerRouteEnv {
  readonly stats: StatsStore;
}

/** Everything Strait knows about one HTTP filter it implements. */
export interface HttpFilterDescriptor {
  /** Envoy's canonical extension name. */
  readonly name: string;
  /** Full proto name of its `typed_config` message. */
  readonly typeName: string;
  /** Must be the last filter of its chain (the router). */
  readonly terminal?: boolean;
  /** Full proto name of its per-route config in `typed_per_filter_config`, if it has one. */
  readonly routeTypeName?: string;
  /** Builds the filter's factory from its unpacked typed_config (undefined = none given). */
  readonly make: (config: unknown, ctx: HttpFilterContext) => HttpFilterFactory;
  /**
   * Compiles a per-route config into what the filter reads at request time; the route table calls it
   * once per typed_per_filter_config entry. Throws a RouteConfigError naming the field under
   * `fieldPath` when it is invalid. Absent: the filter reads the message itself.
   */
  readonly compilePerRoute?: (config: Message, fieldPath: string, env: PerRouteEnv) => unknown;
}
