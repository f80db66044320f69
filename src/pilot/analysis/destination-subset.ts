// IST0101 for subsets: a VirtualService destination naming a subset needs a DestinationRule for
// that host (compared as FQDNs) that defines the subset.
import { istioObjects, listAt, nsOf, resolveHost, type Analyzer } from './context.js';
import { routeDestinations } from './destinations.js';
import { referencedResourceNotFound, type AnalysisMessage } from './message.js';

export const destinationSubsetAnalyzer: Analyzer = {
  name: 'virtualservice.DestinationRuleAnalyzer',
  description: 'Checks the destination rules associated with each virtual service',
  analyze(ctx) {
    const subsets = new Set<string>();
    for (const dr of istioObjects(ctx, 'DestinationRule')) {
      const host = (dr.spec as { host?: unknown } | null)?.host;
      if (typeof host !== 'string') continue;
      const fqdn = resolveHost(host, nsOf(dr));
      for (const s of listAt(dr.spec, 'subsets')) {
        const name = (s as { name?: unknown } | null)?.name;
        if (typeof name === 'string') subsets.add(`${fqdn}+${name}`);
      }
    }
    const out: AnalysisMessage[] = [];
    for (const vs of istioObjects(ctx, 'VirtualService')) {
      for (const d of routeDestinations(vs)) {
        if (d.subset === undefined) continue;
        if (!subsets.has(`${resolveHost(d.host, nsOf(vs))}+${d.subset}`)) {
          out.push(referencedResourceNotFound(vs, vs.source?.lineOf(`${d.path}.subset`), 'host+subset in destinationrule', `${d.host}+${d.subset}`));
        }
      }
    }
    return out;
  },
};
