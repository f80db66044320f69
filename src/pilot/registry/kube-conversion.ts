// Kubernetes Service -> model Service (FQDN, ports, ClusterIP, resolution) and its endpoints:
// selected pods in the namespace, targetPort resolved by number or by container port name.
import { type KubeObject, type ServiceSpecView, namespaceOf, specOf } from './input.js';
import { type Service, type ServiceInstance, type ServicePort, spiffeId } from './model.js';
import { kubePortProtocol } from './protocol.js';
import { type Workload, selects } from './workload.js';

export const DOMAIN_SUFFIX = 'cluster.local';
export const kubeFqdn = (name: string, ns: string): string => `${name}.${ns}.svc.${DOMAIN_SUFFIX}`;

const EXPORT_TO = 'networking.istio.io/exportTo';

/** Annotation `networking.istio.io/exportTo` (comma list); '.' becomes the namespace; default '*'. */
export function parseExportTo(list: string[] | undefined, ns: string): string[] {
  const items = (list ?? []).map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) return ['*'];
  return [...new Set(items.map((s) => (s === '.' ? ns : s)))];
}

export function convertKubeService(o: KubeObject, defaultNs: string): Service {
  const ns = namespaceOf(o, defaultNs);
  const spec = specOf<ServiceSpecView>(o);
  const ports: ServicePort[] = (spec.ports ?? []).map((p) => ({
    name: p.name ?? '',
    port: p.port,
    targetPort: p.targetPort,
    protocol: kubePortProtocol(p.name, p.protocol, p.appProtocol),
  }));
  let resolution: Service['resolution'] = 'ClientSideLB';
  let meshExternal = false;
  let addresses = (spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []);
  if (spec.type === 'ExternalName') {
    resolution = 'DNS';
    meshExternal = true;
    addresses = [];
  } else if (spec.clusterIP === 'None') {
    resolution = 'Passthrough';
    addresses = [];
  }
  const ann = o.metadata.annotations?.[EXPORT_TO];
  return {
    hostname: kubeFqdn(o.metadata.name, ns),
    namespace: ns,
    name: o.metadata.name,
    ports,
    addresses: addresses.filter((a) => a !== 'None'),
    resolution,
    meshExternal,
    exportTo: parseExportTo(ann?.split(','), ns),
    labels: { ...(o.metadata.labels ?? {}) },
    selector: spec.selector ? { ...spec.selector } : undefined,
    source: 'kubernetes',
    externalName: spec.type === 'ExternalName' ? spec.externalName : undefined,
  };
}

/** The workload port a service port reaches: a number as is, a name looked up in the container ports. */
export function resolveTargetPort(sp: ServicePort, w: Workload): number | undefined {
  const t = sp.targetPort;
  if (t === undefined || t === '') return sp.port;
  if (typeof t === 'number') return t;
  if (/^\d+$/.test(t)) return Number(t);
  return w.ports.find((c) => c.name === t)?.containerPort;
}

export function instanceOf(svc: Service, sp: ServicePort, w: Workload, port: number, address = w.address): ServiceInstance {
  return {
    hostname: svc.hostname,
    servicePortName: sp.name,
    servicePort: sp.port,
    address,
    port,
    labels: w.labels,
    locality: w.locality,
    serviceAccount: w.serviceAccount,
    identity: spiffeId(w.namespace, w.serviceAccount),
    network: w.network,
    weight: w.weight,
    tlsMode: w.tlsMode,
    healthy: w.healthy,
    workload: `${w.kind}/${w.namespace}/${w.name}`,
  };
}

/** Endpoints of a Kubernetes service: its selector over the namespace's pods (none without a selector). */
export function kubeInstances(svc: Service, pods: Workload[]): ServiceInstance[] {
  if (!svc.selector || svc.resolution === 'DNS') return [];
  const sel = svc.selector;
  const out: ServiceInstance[] = [];
  for (const w of pods) {
    if (w.kind !== 'Pod' || w.namespace !== svc.namespace || !selects(sel, w.labels)) continue;
    for (const sp of svc.ports) {
      const port = resolveTargetPort(sp, w);
      if (port !== undefined) out.push(instanceOf(svc, sp, w, port));
    }
  }
  return out;
}
