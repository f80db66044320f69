// typed_per_filter_config compiled: each entry unwrapped (FilterConfig) and compiled once by the descriptor of
// its type while the route table is built; filters read the results through per-route.ts.
import { anyUnpack, type Any } from '@bufbuild/protobuf/wkt';
import type { Message } from '@bufbuild/protobuf';
import { FilterConfigSchema } from '../../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import { registry } from '../../../xds/registry.js';
import { missingExtensionMessage } from '../../bootstrap/config-error.js';
import { fail } from '../../router/errors.js';
import type { PerFilterConfigs, RouteFilterConfig } from '../../router/types.js';
import type { PerRouteEnv } from './descriptor.js';
import { findPerRouteDescriptor } from './descriptors.js';

const FILTER_CONFIG_TYPE = FilterConfigSchema.typeName;
/** The map of a level without typed_per_filter_config (most levels): shared, nothing to allocate. */
const NONE: PerFilterConfigs = new Map();
const DISABLED: RouteFilterConfig = { disabled: true, typeName: '', config: undefined };
const EMPTY: RouteFilterConfig = { disabled: false, typeName: '', config: undefined };

function typeNameOf(any: Any): string {
  return any.typeUrl.slice(any.typeUrl.lastIndexOf('/') + 1);
}

/** What `decode` makes of `any`; a RouteConfigError at `path` when it cannot. */
function unpack<T extends Message>(any: Any, path: string, decode: () => T | undefined): T {
  let msg: T | undefined;
  try {
    msg = decode();
  } catch (e) {
    fail(path, `unable to unpack ${typeNameOf(any)}: ${(e as Error).message}`);
  }
  return msg ?? fail(path, `unknown type ${typeNameOf(any)}`);
}

/** One entry: FilterConfig unwrapped, then the config compiled by the descriptor of its type; undefined = skipped (optional). */
function compileEntry(name: string, any: Any, path: string, env: PerRouteEnv): RouteFilterConfig | undefined {
  let inner = any;
  let innerPath = path;
  let optional = false;
  if (typeNameOf(any) === FILTER_CONFIG_TYPE) {
    const fc = unpack(any, path, () => anyUnpack(any, FilterConfigSchema));
    if (fc.disabled) return DISABLED;
    if (fc.config === undefined) return EMPTY;
    inner = fc.config;
    innerPath = `${path}.config`;
    optional = fc.isOptional;
  }
  const typeName = typeNameOf(inner);
  const descriptor = findPerRouteDescriptor(typeName);
  if (descriptor === undefined) {
    // Envoy skips an optional config no filter takes, and refuses any other.
    return optional ? undefined : fail(path, missingExtensionMessage(name, typeName));
  }
  const msg = unpack(inner, innerPath, () => anyUnpack(inner, registry));
  const config = descriptor.compilePerRoute === undefined ? msg : descriptor.compilePerRoute(msg, innerPath, env);
  return { disabled: false, typeName, config };
}

/**
 * Compiles one level's typed_per_filter_config (`path` names it in errors, thrown as RouteConfigError).
 * Called by the route table for the route configuration, each virtual host, route and weighted cluster.
 */
export function compilePerFilterConfigs(map: { readonly [name: string]: Any }, path: string, env: PerRouteEnv):
  PerFilterConfigs {
  const names = Object.keys(map);
  if (names.length === 0) return NONE;
  const out = new Map<string, RouteFilterConfig>();
  for (const name of names) {
    const c = compileEntry(name, map[name], `${path}[${JSON.stringify(name)}]`, env);
    if (c !== undefined) out.set(name, c);
  }
  return out.size === 0 ? NONE : out;
}
