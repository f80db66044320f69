// Workloads the registry selects endpoints from: local-mode pods of Deployments, Pod objects and
// WorkloadEntries, reduced to one shape (address, labels, ports, identity, locality).
import type { AddressAllocator } from './address-allocator.js';
import {
  type ContainerPortView, type DeploymentSpecView, type KubeObject, type PodSpecView, type PodStatusView,
  type WorkloadEntryView, namespaceOf, specOf, statusOf,
} from './input.js';
import type { Locality } from './model.js';

export interface Workload {
  kind: 'Pod' | 'WorkloadEntry';
  name: string;
  namespace: string;
  address: string;
  labels: Record<string, string>;
  /** Container ports (pods) by name and number; WorkloadEntry `ports` map as named ports. */
  ports: ContainerPortView[];
  serviceAccount: string;
  locality: Locality;
  network: string;
  weight: number;
  tlsMode: string;
  healthy: boolean;
}

const TLS_MODE = 'security.istio.io/tlsMode';
const NETWORK = 'topology.istio.io/network';

export function localityFromLabels(labels: Record<string, string>): Locality {
  return {
    region: labels['topology.kubernetes.io/region'] ?? '',
    zone: labels['topology.kubernetes.io/zone'] ?? '',
    subzone: labels['topology.istio.io/subzone'] ?? '',
  };
}

/** WorkloadEntry locality `region/zone/subzone`; labels fill what it leaves out. */
export function parseLocality(s: string | undefined, labels: Record<string, string>): Locality {
  if (!s) return localityFromLabels(labels);
  const [region = '', zone = '', subzone = ''] = s.split('/');
  return { region, zone, subzone };
}

const containerPorts = (spec: PodSpecView | undefined): ContainerPortView[] =>
  (spec?.containers ?? []).flatMap((c) => c.ports ?? []);

const injected = (labels: Record<string, string>, annotations: Record<string, string>): boolean =>
  (labels['sidecar.istio.io/inject'] ?? annotations['sidecar.istio.io/inject']) !== 'false';

/** A Deployment's N local-mode pods `<deployment>-<i>`, addressed by the allocator. */
export function deploymentPods(o: KubeObject, defaultNs: string, alloc: AddressAllocator): Workload[] {
  const ns = namespaceOf(o, defaultNs);
  const spec = specOf<DeploymentSpecView>(o);
  const replicas = spec.replicas ?? 1;
  const labels = { ...(spec.template?.metadata?.labels ?? {}) };
  const annotations = spec.template?.metadata?.annotations ?? {};
  const podSpec = spec.template?.spec;
  const out: Workload[] = [];
  for (let i = 0; i < replicas; i++) {
    const name = `${o.metadata.name}-${i}`;
    out.push({
      kind: 'Pod', name, namespace: ns,
      address: alloc.allocate(`${ns}/${name}`),
      labels,
      ports: containerPorts(podSpec),
      serviceAccount: podSpec?.serviceAccountName || podSpec?.serviceAccount || 'default',
      locality: localityFromLabels(labels),
      network: labels[NETWORK] ?? '',
      weight: 1,
      // local mode injects a sidecar into every pod unless told not to
      tlsMode: labels[TLS_MODE] ?? (injected(labels, annotations) ? 'istio' : 'disabled'),
      healthy: true,
    });
  }
  return out;
}

/** A Pod object: status.podIP if any, otherwise an allocated address; unhealthy if Ready is False. */
export function podWorkload(o: KubeObject, defaultNs: string, alloc: AddressAllocator): Workload {
  const ns = namespaceOf(o, defaultNs);
  const spec = specOf<PodSpecView>(o);
  const status = statusOf<PodStatusView>(o);
  const labels = { ...(o.metadata.labels ?? {}) };
  const ready = status?.conditions?.find((c) => c.type === 'Ready');
  return {
    kind: 'Pod', name: o.metadata.name, namespace: ns,
    address: status?.podIP || alloc.allocate(`${ns}/${o.metadata.name}`),
    labels,
    ports: containerPorts(spec),
    serviceAccount: spec.serviceAccountName || spec.serviceAccount || 'default',
    locality: localityFromLabels(labels),
    network: labels[NETWORK] ?? '',
    weight: 1,
    tlsMode: labels[TLS_MODE] ?? 'disabled',
    healthy: ready ? ready.status === 'True' : status?.phase !== 'Failed',
  };
}

/** A WorkloadEntry (or a ServiceEntry inline endpoint, with `name` = its index). */
export function entryWorkload(we: WorkloadEntryView, name: string, ns: string, metaLabels: Record<string, string> = {}): Workload {
  const labels = { ...metaLabels, ...(we.labels ?? {}) };
  return {
    kind: 'WorkloadEntry', name, namespace: ns,
    address: we.address ?? '',
    labels,
    ports: Object.entries(we.ports ?? {}).map(([n, p]) => ({ name: n, containerPort: p })),
    serviceAccount: we.serviceAccount ?? '',
    locality: parseLocality(we.locality, labels),
    network: we.network ?? labels[NETWORK] ?? '',
    weight: we.weight && we.weight > 0 ? we.weight : 1,
    tlsMode: labels[TLS_MODE] ?? 'disabled',
    healthy: true,
  };
}

export const selects = (selector: Record<string, string>, labels: Record<string, string>): boolean =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);
