// The control-plane side of the pilot push benchmark, a child process so its CPU and memory are
// its own: a discovery server over a generated mesh (N services, each with a Gateway and a
// VirtualService as in the book's ch11 resources-600.yaml, and the client pods as Pod objects).
import type { ConfigObject } from '../src/pilot/config/object.js';
import type { ConfigEvent } from '../src/pilot/config/store.js';
import type { ConfigSource } from '../src/pilot/server/config-source.js';
import { DiscoveryServer } from '../src/pilot/server/discovery-server.js';
import { defaultTranslators } from '../src/pilot/xds/default-translators.js';
import { benchPodIp } from './lib/pilot-mesh.js';

const services = Number(process.argv[2] ?? 1000);
const pods = Number(process.argv[3] ?? 2000);
const namespaces = Number(process.argv[4] ?? 10);
const sidecarScoped = process.argv[5] === 'sidecar';

const obj = (apiVersion: string, kind: string, name: string, namespace: string, spec: unknown, extra: Record<string, unknown> = {}): ConfigObject =>
  ({ apiVersion, kind, metadata: { name, namespace, creationTimestamp: '2026-12-01T00:00:00Z', ...extra }, spec } as ConfigObject);

const configs = new Map<string, ConfigObject>();
const put = (o: ConfigObject): void => { configs.set(`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, o); };
for (let i = 0; i < services; i++) {
  const name = `service-${i}`;
  put(obj('v1', 'Service', name, 'istioinaction', { selector: { app: 'catalog' }, ports: [{ name: 'http', port: 80, targetPort: 3000 }] }));
  put(obj('networking.istio.io/v1alpha3', 'Gateway', `${name}-gateway`, 'istioinaction', {
    selector: { istio: 'ingressgateway' }, servers: [{ hosts: [`${name}.istioinaction.io`], port: { name: 'http', number: 80, protocol: 'HTTP' } }],
  }));
  put(obj('networking.istio.io/v1alpha3', 'VirtualService', name, 'istioinaction', {
    hosts: [`${name}.istioinaction.io`], gateways: [`${name}-gateway`],
    http: [{ route: [{ destination: { host: `${name}.istioinaction.svc.cluster.local`, port: { number: 80 } } }] }],
  }));
}
// One mesh VirtualService (sidecars route service-0 by it), which the `virtualservice` change edits.
put(obj('networking.istio.io/v1beta1', 'VirtualService', 'service-0-mesh', 'istioinaction', {
  hosts: ['service-0.istioinaction.svc.cluster.local'],
  http: [{ route: [{ destination: { host: 'service-0.istioinaction.svc.cluster.local', port: { number: 80 } } }] }],
}));
for (let i = 0; i < 3; i++) {
  put({ ...obj('v1', 'Pod', `catalog-${i}`, 'istioinaction', { containers: [{ name: 'catalog', ports: [{ containerPort: 3000 }] }] }, { labels: { app: 'catalog' } }),
    status: { podIP: `10.9.0.${i + 1}`, phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } } as ConfigObject);
}
for (let n = 0; n < namespaces; n++) {
  const ns = `bench-${n}`;
  put(obj('v1', 'Service', 'sleep', ns, { selector: { app: 'sleep' }, ports: [{ name: 'http', port: 80 }] }));
}
// With --sidecar, each client namespace has a Sidecar (the book's ch11) whose egress is its own
// namespace, istio-system and the one service its pods call (service-0, which the mesh VirtualService routes).
if (sidecarScoped) {
  for (let n = 0; n < namespaces; n++) {
    put(obj('networking.istio.io/v1beta1', 'Sidecar', 'default', `bench-${n}`, {
      egress: [{ hosts: ['./*', 'istio-system/*', 'istioinaction/service-0.istioinaction.svc.cluster.local'] }],
    }));
  }
}
for (let k = 0; k < pods; k++) {
  const ns = `bench-${k % namespaces}`;
  put({ ...obj('v1', 'Pod', `sleep-${k}`, ns, { containers: [{ name: 'sleep', ports: [{ containerPort: 80 }] }] }, { labels: { app: 'sleep' } }),
    status: { podIP: benchPodIp(k), phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } } as ConfigObject);
}

const handlers = new Set<(c: ConfigEvent) => void>();
const source: ConfigSource = {
  all: () => [...configs.values()],
  watch: (h) => { handlers.add(h); return () => handlers.delete(h); },
};

const ds = new DiscoveryServer({ source, translators: defaultTranslators, xdsPort: 0, monitoringPort: null });
await ds.start();
process.send!({ kind: 'ready', port: ds.xdsPort });
let round = 0;
const modify = (key: string, edit: (o: ConfigObject) => ConfigObject): void => {
  const old = configs.get(key)!;
  const changed = edit(old);
  configs.set(key, changed);
  for (const h of handlers) h({ type: 'MODIFIED', object: changed, old });
};
process.on('message', (m: { kind: string; what?: string }) => {
  if (m.kind === 'change') {
    round++;
    if (m.what === 'service') {
      // A Service gains a port: the registry changes, so every type is rebuilt for every proxy.
      modify('Service/istioinaction/service-0', (o) => {
        const spec = o.spec as { ports: unknown[] };
        return { ...o, spec: { ...spec, ports: [spec.ports[0], { name: `http-extra`, port: 9000 + round, targetPort: 3000 }] } } as ConfigObject;
      });
    } else {
      // A VirtualService gets a new timeout: listeners and routes are rebuilt for the proxies it
      // concerns: every sidecar for the mesh one, the ingress gateway for a gateway one.
      modify(m.what === 'gateway' ? 'VirtualService/istioinaction/service-0' : 'VirtualService/istioinaction/service-0-mesh', (o) => {
        const spec = o.spec as { http: { timeout?: string }[] };
        return { ...o, spec: { ...spec, http: [{ ...spec.http[0], timeout: `${round}s` }] } } as ConfigObject;
      });
    }
    process.send!({ kind: 'changed' });
  } else if (m.kind === 'usage') {
    const cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    process.send!({ kind: 'usage', cpuMs: (cpu.user + cpu.system) / 1000, rssBytes: mem.rss, heapBytes: mem.heapUsed, heapTotalBytes: mem.heapTotal, externalBytes: mem.external, buffersBytes: mem.arrayBuffers,
      version: ds.pushContext.version, connected: ds.connectedProxies().length, unconverged: ds.unconverged(),
      generation: ds.generationStats(), pushedTypes: ds.lastPushTypes(), pushedRoles: ds.lastPushRoles() });
  } else if (m.kind === 'stop') {
    void ds.close().then(() => process.exit(0));
  }
});
