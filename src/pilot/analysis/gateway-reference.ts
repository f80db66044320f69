// IST0101 for VirtualService gateways: each named gateway (`name` in the VirtualService's
// namespace, or `ns/name`) must be a Gateway in the input; `mesh` is implicit.
import { istioObjects, listAt, nsOf, type Analyzer } from './context.js';
import { referencedResourceNotFound, type AnalysisMessage } from './message.js';

export const gatewayReferenceAnalyzer: Analyzer = {
  name: 'virtualservice.GatewayAnalyzer',
  description: 'Checks the gateways associated with each virtual service',
  analyze(ctx) {
    const gateways = new Set(istioObjects(ctx, 'Gateway').map((g) => `${nsOf(g)}/${g.metadata.name}`));
    const out: AnalysisMessage[] = [];
    for (const vs of istioObjects(ctx, 'VirtualService')) {
      listAt(vs.spec, 'gateways').forEach((gw, i) => {
        if (typeof gw !== 'string' || gw === 'mesh') return;
        const full = gw.includes('/') ? gw : `${nsOf(vs)}/${gw}`;
        if (!gateways.has(full)) {
          out.push(referencedResourceNotFound(vs, vs.source?.lineOf(`spec.gateways[${i}]`), 'gateway', gw));
        }
      });
    }
    return out;
  },
};
