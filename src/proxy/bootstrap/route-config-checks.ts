// A static bootstrap's per-route filter configs, compiled as the route table will compile them (into
// throwaway objects) so that loading the file reports every bad entry with its field path and position.
import type { Any } from '@bufbuild/protobuf/wkt';
import { compilePerFilterConfigs } from '../filters/http/per-route-compile.js';
import { RouteConfigError } from '../router/errors.js';
import { StatsStore } from '../stats/store.js';
import type { PathError, PathSeg } from './config-error.js';

/** `.a[0].b["key"]` (a router error path) as path segments. */
function segments(rel: string): PathSeg[] {
  const segs: PathSeg[] = [];
  for (const m of rel.matchAll(/\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([A-Za-z_][A-Za-z0-9_]*)/g)) {
    segs.push(m[1] !== undefined ? Number(m[1]) : m[2] !== undefined ? { key: JSON.parse(m[2]) as string } : m[3]);
  }
  return segs;
}

/** Compiles the typed_per_filter_config entry `name` at `path` (the map's); its error, if any, goes to `errors`. */
export function checkRouteFilterConfig(name: string, any: Any, path: readonly PathSeg[], errors: PathError[]): void {
  try {
    compilePerFilterConfigs({ [name]: any }, '', { stats: new StatsStore() });
  } catch (e) {
    if (!(e instanceof RouteConfigError)) throw e;
    errors.push({ path: [...path, ...segments(e.path)], message: e.detail });
  }
}
