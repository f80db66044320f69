// Checks of per-route filter configs that go beyond the schema (Envoy builds them at load): the
// filter descriptor's compile run on the typed_per_filter_config message, its errors placed under the entry's path.
import type { Message } from '@bufbuild/protobuf';
import { findPerRouteDescriptor } from '../filters/http/descriptors.js';
import { RouteConfigError } from '../router/errors.js';
import type { PathError, PathSeg } from './config-error.js';

/** `.a[0].b["key"]` (a router error path) as path segments. */
function segments(rel: string): PathSeg[] {
  const segs: PathSeg[] = [];
  for (const m of rel.matchAll(/\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([A-Za-z_][A-Za-z0-9_]*)/g)) {
    segs.push(m[1] !== undefined ? Number(m[1]) : m[2] !== undefined ? { key: JSON.parse(m[2]) as string } : m[3]);
  }
  return segs;
}

/** Runs the per-route check of the filter whose per-route type `msg` is, if it has one; errors go to `errors` under `path`. */
export function checkRouteFilterConfig(msg: Message, path: readonly PathSeg[], errors: PathError[]): void {
  const check = findPerRouteDescriptor(msg.$typeName)?.checkPerRoute;
  if (check === undefined) return;
  try {
    check(msg, '');
  } catch (e) {
    if (!(e instanceof RouteConfigError)) throw e;
    errors.push({ path: [...path, ...segments(e.path)], message: e.detail });
  }
}
