// IST0101 for destination hosts: a VirtualService route destination, or a DestinationRule's
// host, must be a Service or a ServiceEntry host (short names resolve in the object's namespace).
import { istioObjects, isWildcard, knownHosts, nsOf, resolveHost, type Analyzer } from './context.js';
import { routeDestinations } from './destinations.js';
import { referencedResourceNotFound, type AnalysisMessage } from './message.js';

export const destinationHostAnalyzer: Analyzer = {
  name: 'virtualservice.DestinationHostAnalyzer',
  description: 'Checks the destination hosts associated with each virtual service and destination rule',
  analyze(ctx) {
    const hosts = knownHosts(ctx);
    const known = (h: string, ns: string): boolean => isWildcard(h) || hosts.has(resolveHost(h, ns)) || hosts.has(h);
    const out: AnalysisMessage[] = [];
    for (const vs of istioObjects(ctx, 'VirtualService')) {
      for (const d of routeDestinations(vs)) {
        if (!known(d.host, nsOf(vs))) {
          out.push(referencedResourceNotFound(vs, vs.source?.lineOf(`${d.path}.host`), 'host', d.host));
        }
      }
    }
    for (const dr of istioObjects(ctx, 'DestinationRule')) {
      const host = (dr.spec as { host?: unknown } | null)?.host;
      if (typeof host === 'string' && host !== '' && !known(host, nsOf(dr))) {
        out.push(referencedResourceNotFound(dr, dr.source?.lineOf('spec.host'), 'host', host));
      }
    }
    return out;
  },
};
