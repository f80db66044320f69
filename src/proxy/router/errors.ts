// Route configuration errors: Envoy's message plus the config field (proto names) it belongs to.
// Thrown only while compiling a RouteConfiguration; matching a request never throws.
import { ProxyConfigError } from '../bootstrap/config-error.js';

/** A RouteConfiguration that cannot be compiled; `path` names the field, e.g. `.virtual_hosts[0].domains`. */
export class RouteConfigError extends ProxyConfigError {
  /** The message without the field path (Envoy's wording where Envoy has one). */
  readonly detail: string;
  /** The field, relative to where the route configuration sits in the whole config. */
  readonly path: string;

  constructor(detail: string, path = '') {
    super(path === '' ? detail : `${path}: ${detail}`);
    this.name = 'RouteConfigError';
    this.detail = detail;
    this.path = path;
  }
}

/** Throws a RouteConfigError at `path`. */
export function fail(path: string, detail: string): never {
  throw new RouteConfigError(detail, path);
}
