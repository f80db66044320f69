// ServiceEntry -> one model Service per host (ports, addresses, resolution, location, exportTo)
// and its endpoints: inline, via workloadSelector (WorkloadEntries and pods), or the host for DNS.
import { type KubeObject, type ServiceEntryView, namespaceOf, specOf } from './input.js';
import { parseExportTo, instanceOf } from './kube-conversion.js';
import type { Resolution, Service, ServiceInstance, ServicePort } from './model.js';
import { parseProtocol } from './protocol.js';
import { type Workload, entryWorkload, selects } from './workload.js';

const RESOLUTION: Record<string, Resolution> = {
  NONE: 'Passthrough', STATIC: 'ClientSideLB', DNS: 'DNS', DNS_ROUND_ROBIN: 'DNSRoundRobin',
};

export function convertServiceEntry(o: KubeObject, defaultNs: string): Service[] {
  const ns = namespaceOf(o, defaultNs);
  const spec = specOf<ServiceEntryView>(o);
  const ports: ServicePort[] = (spec.ports ?? []).map((p) => ({
    name: p.name ?? '',
    port: p.number,
    targetPort: p.targetPort,
    protocol: parseProtocol(p.protocol),
  }));
  const resolution = RESOLUTION[(spec.resolution ?? 'NONE').toUpperCase()] ?? 'Passthrough';
  const meshExternal = (spec.location ?? 'MESH_EXTERNAL').toUpperCase() !== 'MESH_INTERNAL';
  return (spec.hosts ?? []).map((host) => ({
    hostname: host,
    namespace: ns,
    name: o.metadata.name,
    ports: ports.map((p) => ({ ...p })),
    addresses: [...(spec.addresses ?? [])],
    resolution,
    meshExternal,
    exportTo: parseExportTo(spec.exportTo, ns),
    labels: { ...(o.metadata.labels ?? {}) },
    selector: spec.workloadSelector?.labels ? { ...spec.workloadSelector.labels } : undefined,
    source: 'serviceentry' as const,
  }));
}

/** Target port of a ServiceEntry port on a workload: its named port, else targetPort, else the number. */
const entryTarget = (sp: ServicePort, w: Workload): number =>
  w.kind === 'WorkloadEntry'
    ? w.ports.find((p) => p.name === sp.name)?.containerPort ?? (typeof sp.targetPort === 'number' ? sp.targetPort : sp.port)
    : typeof sp.targetPort === 'number' ? sp.targetPort : sp.port;

/** Endpoints of one ServiceEntry host. `workloads` are the WorkloadEntries and pods of the registry. */
export function serviceEntryInstances(o: KubeObject, svc: Service, workloads: Workload[]): ServiceInstance[] {
  const spec = specOf<ServiceEntryView>(o);
  const out: ServiceInstance[] = [];
  const push = (w: Workload): void => {
    for (const sp of svc.ports) {
      out.push(instanceOf(svc, sp, w, entryTarget(sp, w), w.address || svc.hostname));
    }
  };
  if (svc.selector) {
    const sel = svc.selector;
    for (const w of workloads) if (w.namespace === svc.namespace && selects(sel, w.labels)) push(w);
  } else if (spec.endpoints && spec.endpoints.length > 0) {
    spec.endpoints.forEach((e, i) => push(entryWorkload(e, `${o.metadata.name}.${i}`, svc.namespace)));
  } else if ((svc.resolution === 'DNS' || svc.resolution === 'DNSRoundRobin') && !svc.hostname.startsWith('*')) {
    push(entryWorkload({ address: svc.hostname }, o.metadata.name, svc.namespace));
  }
  return out;
}
