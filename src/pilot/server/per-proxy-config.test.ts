// Simulation through the real DiscoveryServer and generator: proxies connected together that differ
// only in locality, labels or namespace each get their own config, never one built for another.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '@bufbuild/protobuf';
import { ClusterSchema } from '../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../xds/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE } from '../../xds/server/index.js';
import { waitFor } from '../../../test/lib/wait.js';
import { defaultTranslators } from '../xds/default-translators.js';
import { DiscoveryServer } from './discovery-server.js';
import { FeedSource, TestAdsProxy, yamlObjects } from './test-support.js';

const CATALOG = 'outbound|80||catalog.default.svc.cluster.local';
const REVIEWS = 'outbound|80||reviews.default.svc.cluster.local';

const pod = (name: string, ip: string, labels: Record<string, string>, ns = 'default'): string => `apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: ${ns}, labels: ${JSON.stringify(labels)} }
spec: { containers: [{ name: app, ports: [{ containerPort: 3000 }] }] }
status: { podIP: ${ip}, phase: Running, conditions: [{ type: Ready, status: "True" }] }`;

const service = (name: string, ns = 'default', annotations = '{}'): string => `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: ${ns}, annotations: ${annotations} }
spec: { selector: { app: ${name} }, ports: [{ name: http, port: 80, targetPort: 3000 }] }`;

/** catalog in two regions with two versions; locality failover (outlier detection) and failover by `version`. */
const MESH = [
  service('catalog'), service('reviews'),
  pod('catalog-east', '10.1.0.1', { app: 'catalog', version: 'v1', 'topology.kubernetes.io/region': 'us-east', 'topology.kubernetes.io/zone': 'us-east-1a' }),
  pod('catalog-west', '10.1.0.2', { app: 'catalog', version: 'v2', 'topology.kubernetes.io/region': 'us-west', 'topology.kubernetes.io/zone': 'us-west-1a' }),
  pod('reviews-1', '10.1.0.3', { app: 'reviews' }),
  `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: catalog, namespace: default }
spec:
  host: catalog
  trafficPolicy: { outlierDetection: { consecutive5xxErrors: 1 } }`,
].join('\n---\n');

interface Node { id: string; metadata: JsonObject; locality?: { region?: string; zone?: string } }

const sidecar = (name: string, ip: string, ns: string, labels: Record<string, string>, locality?: Node['locality']): Node =>
  ({ id: `sidecar~${ip}~${name}.${ns}~${ns}.svc.cluster.local`, metadata: { NAMESPACE: ns, LABELS: labels }, ...(locality ? { locality } : {}) });

async function startPilot(t: { after(f: () => Promise<void>): void }, configs: string): Promise<DiscoveryServer> {
  const ds = new DiscoveryServer({ source: new FeedSource(yamlObjects(configs)), translators: defaultTranslators, xdsPort: 0, monitoringPort: 0,
    debounceAfterMs: 10, debounceMaxMs: 100, log: () => undefined });
  await ds.start();
  t.after(() => ds.close());
  return ds;
}

/** Connects every node at once (so they are generated in the same push) and waits until each has clusters and `eds`. */
async function connectAll(t: { after(f: () => Promise<void>): void }, ds: DiscoveryServer, nodes: Node[], eds: string): Promise<TestAdsProxy[]> {
  const proxies = nodes.map((n) => new TestAdsProxy(ds.xdsPort, n.id, n.metadata,
    [{ typeUrl: CLUSTER_TYPE }, { typeUrl: LISTENER_TYPE }, { typeUrl: ENDPOINT_TYPE, names: [eds] }], n.locality));
  for (const p of proxies) t.after(() => p.close());
  for (const p of proxies) await waitFor(`${p.nodeId}: clusters and endpoints`, 10_000, () => (p.latest.has(CLUSTER_TYPE) && p.latest.has(ENDPOINT_TYPE)) || undefined);
  return proxies;
}

/** Each endpoint address of `cluster` with its priority, as the proxy received them. */
function priorities(p: TestAdsProxy, cluster: string): Record<string, number> {
  const cla = p.resources(ENDPOINT_TYPE, ClusterLoadAssignmentSchema).find((c) => c.clusterName === cluster);
  const out: Record<string, number> = {};
  for (const l of cla?.endpoints ?? []) {
    for (const e of l.lbEndpoints) {
      const ep = e.hostIdentifier.case === 'endpoint' ? e.hostIdentifier.value : undefined;
      const sa = ep?.address?.address.case === 'socketAddress' ? ep.address.address.value : undefined;
      if (sa) out[sa.address] = l.priority;
    }
  }
  return out;
}

const cluster = (p: TestAdsProxy, name: string) => p.resources(CLUSTER_TYPE, ClusterSchema).find((c) => c.name === name);

test('proxies that differ only in locality get endpoints ranked from their own locality', async (t) => {
  const ds = await startPilot(t, MESH);
  const [east, west, none] = await connectAll(t, ds, [
    sidecar('sleep-1', '10.1.0.9', 'default', { app: 'sleep' }, { region: 'us-east', zone: 'us-east-1a' }),
    sidecar('sleep-2', '10.1.0.10', 'default', { app: 'sleep' }, { region: 'us-west', zone: 'us-west-1a' }),
    sidecar('sleep-3', '10.1.0.11', 'default', { app: 'sleep' }),
  ], CATALOG);
  assert.deepEqual(priorities(east!, CATALOG), { '10.1.0.1': 0, '10.1.0.2': 1 });
  assert.deepEqual(priorities(west!, CATALOG), { '10.1.0.1': 1, '10.1.0.2': 0 });
  // Without a locality, no endpoint is closer than another.
  assert.deepEqual(priorities(none!, CATALOG), { '10.1.0.1': 0, '10.1.0.2': 0 });
});

test('proxies that differ only in labels get the DestinationRule that selects them and failover by their labels', async (t) => {
  const ds = await startPilot(t, `${MESH}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews-for-sleep, namespace: default }
spec:
  host: reviews
  workloadSelector: { matchLabels: { app: sleep } }
  trafficPolicy: { connectionPool: { tcp: { maxConnections: 7 } } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: catalog, namespace: default }
spec:
  host: catalog
  trafficPolicy:
    outlierDetection: { consecutive5xxErrors: 1 }
    loadBalancer: { localityLbSetting: { enabled: true, failoverPriority: [version] } }`);
  const [sleep, other] = await connectAll(t, ds, [
    sidecar('sleep-1', '10.1.0.9', 'default', { app: 'sleep', version: 'v1' }),
    sidecar('other-1', '10.1.0.10', 'default', { app: 'other', version: 'v2' }),
  ], CATALOG);
  const maxConnections = (p: TestAdsProxy): number | undefined => cluster(p, REVIEWS)?.circuitBreakers?.thresholds[0]?.maxConnections;
  assert.equal(maxConnections(sleep!), 7);
  assert.notEqual(maxConnections(other!), 7);
  assert.deepEqual(priorities(sleep!, CATALOG), { '10.1.0.1': 0, '10.1.0.2': 1 });
  assert.deepEqual(priorities(other!, CATALOG), { '10.1.0.1': 1, '10.1.0.2': 0 });
});

test('proxies that differ only in namespace see their namespace\'s services and rules', async (t) => {
  const ds = await startPilot(t, `${MESH}
---
${service('ledger', 'a', '{ networking.istio.io/exportTo: "." }')}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: catalog-from-a, namespace: a }
spec:
  host: catalog.default.svc.cluster.local
  trafficPolicy: { connectionPool: { tcp: { maxConnections: 9 } } }`);
  const [a, b] = await connectAll(t, ds, [
    sidecar('sleep-1', '10.1.0.9', 'a', { app: 'sleep' }),
    sidecar('sleep-2', '10.1.0.10', 'b', { app: 'sleep' }),
  ], CATALOG);
  const ledger = 'outbound|80||ledger.a.svc.cluster.local';
  assert.ok(cluster(a!, ledger), 'a sees its own namespace-private service');
  assert.equal(cluster(b!, ledger), undefined, 'b does not');
  assert.equal(cluster(a!, CATALOG)?.circuitBreakers?.thresholds[0]?.maxConnections, 9);
  assert.notEqual(cluster(b!, CATALOG)?.circuitBreakers?.thresholds[0]?.maxConnections, 9);
});
