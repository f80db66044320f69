// The zipkin addon of `strait up --addons`: the collector on its own loopback address at Zipkin's
// 9411, and the Service zipkin.istio-system (http-query) and Pod pilot sees it through.
import { startCollector, type Collector } from '../../../telemetry/zipkin/server.js';
import type { Manifest } from '../workloads.js';

export const ZIPKIN_PORT = 9411;

const LABELS = { app: 'zipkin' };

export interface ZipkinAddon {
  collector: Collector;
  /** The Service and Pod objects to write into pilot's config directory. */
  objects: Manifest[];
}

export async function startZipkinAddon(podIp: string): Promise<ZipkinAddon> {
  const collector = await startCollector({ host: podIp, port: ZIPKIN_PORT });
  const metadata = { namespace: 'istio-system', labels: LABELS };
  const service: Manifest = {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'zipkin', ...metadata },
    spec: { selector: LABELS, ports: [{ name: 'http-query', port: ZIPKIN_PORT, targetPort: ZIPKIN_PORT, protocol: 'TCP' }] },
  };
  const pod: Manifest = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'zipkin-0', ...metadata },
    spec: { containers: [{ name: 'zipkin', image: 'openzipkin/zipkin-slim', ports: [{ containerPort: ZIPKIN_PORT }] }] },
    status: { podIP: podIp, phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  };
  return { collector, objects: [service, pod] };
}
