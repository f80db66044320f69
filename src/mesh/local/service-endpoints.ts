// What cluster DNS and kube-proxy make of a Service name for the local mesh's service proxy: the name as a pod in a
// namespace would resolve it, the Service's port, and the pods its selector picks at their address and target port.
import type { Endpoint } from './service-proxy.js';
import type { PodState } from './state.js';
import type { Manifest } from './workloads.js';

interface ServicePort { port?: number; targetPort?: number | string }

/**
 * `name`, `name.ns`, `name.ns.svc` or `name.ns.svc.cluster.local` (a client in `namespace`; the pod's DNS search path)
 * -> undefined when no Service has that name; else the endpoints of `port` (none when the Service does not serve it,
 * names its targetPort, or selects nothing). A numeric targetPort, or the port itself when there is none.
 */
export function serviceEndpoints(service: (namespace: string, name: string) => Manifest | undefined, pods: readonly PodState[],
  namespace: string, host: string, port: number): Endpoint[] | undefined {
  const [name = '', ns = namespace, ...rest] = host.split('.');
  if (!['', 'svc', 'svc.cluster.local'].includes(rest.join('.'))) return undefined;
  const svc = service(ns, name);
  if (!svc) return undefined;
  const ports = Array.isArray(svc.spec?.['ports']) ? svc.spec['ports'] as ServicePort[] : [];
  const served = ports.find((p) => p.port === port);
  const target = served?.targetPort === undefined ? port : served.targetPort;
  const selector = (svc.spec?.['selector'] ?? {}) as Record<string, string>;
  if (!served || typeof target !== 'number' || Object.keys(selector).length === 0) return [];
  return pods.filter((p) => p.namespace === ns && Object.entries(selector).every(([k, v]) => p.labels[k] === v))
    .map((p) => ({ host: p.podIp, port: target }));
}
