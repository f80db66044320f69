// The shape of one HTTP filter extension point: its names, config types, factory maker and
// per-route config check, so the registry, the bootstrap checks and route checks share one source.
import type { Message } from '@bufbuild/protobuf';
import type { HttpFilterFactory } from './types.js';
import type { HttpFilterContext } from './registry.js';

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
   * Compiles a per-route config as the filter will at request time; throws a RouteConfigError
   * naming `fieldPath` (relative to the entry) when it is invalid. Absent: nothing beyond the schema.
   */
  readonly checkPerRoute?: (config: Message, fieldPath: string) => void;
}
