// The gateways `strait up` installs in istio-system, as Istio's demo profile does: the ingress
// (istio: ingressgateway, 80->8080, 443->8443, 31400, 15443) and egress (istio: egressgateway) Services.
import type { Manifest } from './workloads.js';

export interface GatewaySpec {
  deployment: string;
  labels: Record<string, string>;
  service: Manifest;
}

/** Istio's demo profile's extra ports of the ingress gateway: TCP (the book's ch4 tcp-echo) and TLS (SNI). */
const INGRESS_EXTRA_PORTS = [
  { name: 'tcp', port: 31400, targetPort: 31400, protocol: 'TCP' },
  { name: 'tls', port: 15443, targetPort: 15443, protocol: 'TCP' },
];

function gateway(name: string, istio: string, extraPorts: Record<string, unknown>[] = []): GatewaySpec {
  const labels = { app: name, istio };
  return {
    deployment: name, labels,
    service: {
      apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'istio-system', labels },
      spec: { selector: { istio }, ports: [
        { name: 'status-port', port: 15021, targetPort: 15021, protocol: 'TCP' },
        { name: 'http2', port: 80, targetPort: 8080, protocol: 'TCP' },
        { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' },
        ...extraPorts,
      ] },
    },
  };
}

export const INGRESS_GATEWAY = gateway('istio-ingressgateway', 'ingressgateway', INGRESS_EXTRA_PORTS);
export const EGRESS_GATEWAY = gateway('istio-egressgateway', 'egressgateway');
