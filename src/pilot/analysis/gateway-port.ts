// IST0104 GatewayPortNotOnWorkload: a Gateway server port that is no TCP port of the selected
// workload's Services (istioctl compares Service ports, not targetPorts). Without Pods, a Service is
// the workload's when its selector has all the Gateway's selector labels; none means no report.
import type { ConfigObject } from '../config/object.js';
import { istioObjects, listAt, type Analyzer } from './context.js';
import { gatewayPortNotOnWorkload, type AnalysisMessage } from './message.js';

function labelsAt(v: unknown): Record<string, string> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, string>) : {};
}

/** The TCP ports of the Services selecting the workload, or undefined when there are none. */
function workloadPorts(services: readonly ConfigObject[], selector: Record<string, string>): Set<number> | undefined {
  const ports = new Set<number>();
  let matched = false;
  for (const svc of services) {
    const svcSelector = labelsAt((svc.spec as { selector?: unknown } | null)?.selector);
    if (Object.keys(svcSelector).length === 0) continue;
    if (!Object.entries(selector).every(([k, v]) => svcSelector[k] === v)) continue;
    matched = true;
    for (const p of listAt(svc.spec, 'ports')) {
      const { port, protocol } = (p ?? {}) as { port?: unknown; protocol?: unknown };
      if (typeof port === 'number' && (protocol === undefined || protocol === 'TCP')) ports.add(port);
    }
  }
  return matched ? ports : undefined;
}

export const gatewayPortAnalyzer: Analyzer = {
  name: 'gateway.IngressGatewayPortAnalyzer',
  description: 'Checks a gateway\'s ports against the gateway\'s Kubernetes service ports',
  analyze(ctx) {
    const services = ctx.objects.filter((o) => o.kind === 'Service' && (o.apiVersion === 'v1' || o.apiVersion === ''));
    const out: AnalysisMessage[] = [];
    for (const gw of istioObjects(ctx, 'Gateway')) {
      const selector = labelsAt((gw.spec as { selector?: unknown } | null)?.selector);
      if (Object.keys(selector).length === 0) continue;
      const ports = workloadPorts(services, selector);
      if (!ports) continue;
      const selectorText = Object.keys(selector).sort().map((k) => `${k}=${selector[k]}`).join(',');
      listAt(gw.spec, 'servers').forEach((s, i) => {
        const n = (s as { port?: { number?: unknown } } | null)?.port?.number;
        if (typeof n === 'number' && !ports.has(n)) {
          out.push(gatewayPortNotOnWorkload(gw, gw.source?.lineOf(`spec.servers[${i}].port.number`), selectorText, n));
        }
      });
    }
    return out;
  },
};
