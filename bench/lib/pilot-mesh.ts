// The simulated proxies of the pilot push benchmark: pod k's address and its xDS node, shaped
// as a mesh proxy's bootstrap gives them (istiod's node id, NAMESPACE, NAME, LABELS, INSTANCE_IPS).
import type { JsonObject } from '@bufbuild/protobuf';

/** Pod k's address (10.1.0.1 on; the bench never connects to it). */
export const benchPodIp = (k: number): string => `10.1.${Math.floor(k / 250)}.${(k % 250) + 1}`;

/** Node 0 is the ingress gateway; node k > 0 is sidecar `sleep-<k>` in namespace `bench-<k mod namespaces>`. */
export function benchNode(k: number, namespaces: number): { id: string; cluster: string; metadata: JsonObject } {
  if (k === 0) {
    return { id: 'router~10.0.0.1~istio-ingressgateway-0.istio-system~istio-system.svc.cluster.local', cluster: 'istio-ingressgateway.istio-system',
      metadata: { NAMESPACE: 'istio-system', NAME: 'istio-ingressgateway-0', INSTANCE_IPS: '10.0.0.1', LABELS: { istio: 'ingressgateway', app: 'istio-ingressgateway' } } };
  }
  const ns = `bench-${k % namespaces}`;
  const ip = benchPodIp(k);
  return {
    id: `sidecar~${ip}~sleep-${k}.${ns}~${ns}.svc.cluster.local`, cluster: `sleep.${ns}`,
    metadata: { NAMESPACE: ns, NAME: `sleep-${k}`, INSTANCE_IPS: ip, LABELS: { app: 'sleep' } },
  };
}
