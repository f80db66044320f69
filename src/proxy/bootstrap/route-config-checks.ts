// Checks of per-route filter configs that go beyond the schema (Envoy builds them at load): the
// filter's own compile run on the typed_per_filter_config message, its errors placed under the entry's path.
import type { Message } from '@bufbuild/protobuf';
import type { CorsPolicy } from '../../xds/gen/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import { checkCorsPolicy } from '../filters/http/cors/index.js';
import type { RBACPerRoute } from '../../xds/gen/envoy/extensions/filters/http/rbac/v3/rbac_pb.js';
import { checkRbacPerRouteConfig } from '../filters/http/rbac/index.js';
import type { ExtAuthzPerRoute } from '../../xds/gen/envoy/extensions/filters/http/ext_authz/v3/ext_authz_pb.js';
import { checkExtAuthzPerRouteConfig } from '../filters/http/ext_authz/ext-authz-filter.js';
import { RouteConfigError } from '../router/errors.js';
import type { PathError, PathSeg } from './config-error.js';

type Check = (msg: Message, fieldPath: string) => void;

/** Per-route config checks by message type. */
const CHECKS: Record<string, Check> = {
  'envoy.extensions.filters.http.cors.v3.CorsPolicy': (m, p) => checkCorsPolicy(m as CorsPolicy, p),
  'envoy.extensions.filters.http.rbac.v3.RBACPerRoute': (m, p) => checkRbacPerRouteConfig(m as RBACPerRoute, p),
  'envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute': (m, p) => checkExtAuthzPerRouteConfig(m as ExtAuthzPerRoute, p),
};

/** `.a[0].b["key"]` (a router error path) as path segments. */
function segments(rel: string): PathSeg[] {
  const segs: PathSeg[] = [];
  for (const m of rel.matchAll(/\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([A-Za-z_][A-Za-z0-9_]*)/g)) {
    segs.push(m[1] !== undefined ? Number(m[1]) : m[2] !== undefined ? { key: JSON.parse(m[2]) as string } : m[3]);
  }
  return segs;
}

/** Runs the check for `msg`'s type, if there is one; errors go to `errors` under `path`. */
export function checkRouteFilterConfig(msg: Message, path: readonly PathSeg[], errors: PathError[]): void {
  const check = CHECKS[msg.$typeName];
  if (check === undefined) return;
  try {
    check(msg, '');
  } catch (e) {
    if (!(e instanceof RouteConfigError)) throw e;
    errors.push({ path: [...path, ...segments(e.path)], message: e.detail });
  }
}
