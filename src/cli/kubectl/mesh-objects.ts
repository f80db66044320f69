// What `strait get/describe` read from a running local mesh: its applied objects (control API
// /objects) and its pods as kubectl's Pod objects, built from mesh.json and each proxy's uptime.
import type { MeshState, PodState } from '../../mesh/local/state.js';
import type { Manifest } from '../../mesh/local/workloads.js';
import { fetchControl } from '../control-api.js';

/** The objects applied to the mesh (Pods are not among them: see podObject). */
export async function meshObjects(s: MeshState): Promise<Manifest[]> {
  const r = await fetchControl(s, '/objects', { signal: AbortSignal.timeout(10_000) });
  return await r.json() as Manifest[];
}

/** When the pod's proxy started (now minus its /server_info uptime), undefined when it does not answer. */
export async function podStartTime(p: PodState, now = Date.now()): Promise<string | undefined> {
  try {
    const r = await fetch(`http://${p.podIp}:${p.adminPort}/server_info`, { signal: AbortSignal.timeout(2_000) });
    const uptime = ((await r.json()) as { uptime_current_epoch?: string }).uptime_current_epoch ?? '';
    const seconds = Number(/^(\d+(?:\.\d+)?)s$/.exec(uptime)?.[1]);
    return Number.isFinite(seconds) ? new Date(now - seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A pod as kubectl shows it, with only what Strait knows: its labels, service account, the app container
 * (the Deployment's ports) beside istio-proxy (a gateway has only istio-proxy, a pod not injected only the app),
 * its address and start time.
 */
export function podObject(p: PodState, startTime: string | undefined): Manifest {
  const containers = [
    ...(p.type !== 'router' ? [{ name: p.deployment, ports: p.appPorts.map((port) => ({ containerPort: port, protocol: 'TCP' })) }] : []),
    ...(p.type !== 'app' ? [{ name: 'istio-proxy', ports: [{ containerPort: p.adminPort, name: 'admin', protocol: 'TCP' }] }] : []),
  ];
  // A pod without a sidecar has no admin to ask its start time; it runs while the mesh lists it.
  const running = startTime !== undefined || p.type === 'app';
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: p.name, namespace: p.namespace, labels: p.labels },
    spec: { serviceAccountName: p.serviceAccount, containers },
    status: {
      phase: running ? 'Running' : 'Unknown', podIP: p.podIp, podIPs: [{ ip: p.podIp }], ...(startTime ? { startTime } : {}),
      containerStatuses: containers.map((c) => ({ name: c.name, ready: running, restartCount: 0 })),
    },
  };
}

/** The mesh's pods in `namespace` (every namespace when undefined) as Pod objects. */
export async function podObjects(s: MeshState, namespace: string | undefined): Promise<Manifest[]> {
  const pods = s.pods.filter((p) => namespace === undefined || p.namespace === namespace);
  return Promise.all(pods.map(async (p) => podObject(p, await podStartTime(p))));
}
