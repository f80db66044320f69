// The book's port-forwards of the ingress gateway: every target port of its Service published on 127.0.0.1,
// at the same number when it is free (else on a free one, said so), its 8080 at `strait up --ingress-port`.
import type { PortForward } from './port-forward.js';
import { portForward } from './port-forward.js';
import type { Manifest } from './workloads.js';

/** The gateway's HTTP port, published at --ingress-port (the book's `kubectl port-forward ... 8080:8080`). */
export const GATEWAY_HTTP_PORT = 8080;

/** One published target port of the gateway Service. */
export interface PublishedPort {
  /** The Service port's name (http2, https, tcp ...). */
  name: string;
  /** The gateway pod's port. */
  targetPort: number;
  /** Where it is published (host:port). */
  address: string;
}

/** The target ports of a Service (spec.ports[].targetPort, else port), with their names. */
function targetPorts(service: Manifest): { name: string; targetPort: number }[] {
  const ports = (service.spec?.['ports'] ?? []) as { name?: string; port: number; targetPort?: number }[];
  return ports.map((p) => ({ name: p.name ?? String(p.port), targetPort: p.targetPort ?? p.port }));
}

const inUse = (e: unknown): boolean => (e as { code?: string }).code === 'EADDRINUSE';

/**
 * Publishes each target port of `service` (whose pod is at `podIp`) on `host`: 8080 at `httpPort` (its
 * EADDRINUSE is the caller's to report), the others at their own number, or a free one when that is taken or
 * `httpPort` is 0 (every port picked, for meshes side by side). On a failure the ports opened are closed.
 */
export async function publishGatewayPorts(service: Manifest, podIp: string, host: string, httpPort: number):
  Promise<{ forwards: PortForward[]; published: PublishedPort[] }> {
  const forwards: PortForward[] = [];
  const published: PublishedPort[] = [];
  try {
    for (const { name, targetPort } of targetPorts(service)) {
      const target = { host: podIp, port: targetPort };
      const wanted = targetPort === GATEWAY_HTTP_PORT ? httpPort : httpPort === 0 ? 0 : targetPort;
      const forward = await portForward(host, wanted, target).catch((e: unknown) => {
        if (targetPort === GATEWAY_HTTP_PORT || wanted === 0 || !inUse(e)) throw e;
        return portForward(host, 0, target);
      });
      forwards.push(forward);
      published.push({ name, targetPort, address: `${host}:${forward.port}` });
    }
  } catch (e) {
    await Promise.all(forwards.map((f) => f.close()));
    throw e;
  }
  return { forwards, published };
}

/** `strait up`'s line about them: "8080 (http2), 8443 (https) ...", and where one moved: "https 8443 on 127.0.0.1:41234 (8443 is taken)". */
export function describePublishedPorts(published: readonly PublishedPort[]): string {
  return published.map((p) => {
    const port = Number(p.address.slice(p.address.lastIndexOf(':') + 1));
    return port === p.targetPort ? `${p.targetPort} (${p.name})` : `${p.targetPort} (${p.name}) on ${p.address}`;
  }).join(', ');
}
