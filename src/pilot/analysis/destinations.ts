// Walks a VirtualService's route destinations (http/tcp/tls routes and http mirrors) with the
// field path of each one, for the host and subset analyzers.
import type { ConfigObject } from '../config/object.js';
import { listAt } from './context.js';

/** A destination of a VirtualService route and the field path of its `host`. */
export interface RouteDestination {
  host: string;
  subset?: string;
  path: string;
}

function asDestination(v: unknown, path: string): RouteDestination | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const d = v as { host?: unknown; subset?: unknown };
  if (typeof d.host !== 'string' || d.host === '') return undefined;
  const out: RouteDestination = { host: d.host, path };
  if (typeof d.subset === 'string' && d.subset !== '') out.subset = d.subset;
  return out;
}

/** All destinations of a VirtualService. */
export function routeDestinations(vs: ConfigObject): RouteDestination[] {
  const out: RouteDestination[] = [];
  for (const section of ['http', 'tcp', 'tls']) {
    listAt(vs.spec, section).forEach((rule, i) => {
      listAt(rule, 'route').forEach((r, j) => {
        const d = asDestination((r as { destination?: unknown } | null)?.destination, `spec.${section}[${i}].route[${j}].destination`);
        if (d) out.push(d);
      });
      if (section === 'http') {
        const m = asDestination((rule as { mirror?: unknown } | null)?.mirror, `spec.http[${i}].mirror`);
        if (m) out.push(m);
      }
    });
  }
  return out;
}
