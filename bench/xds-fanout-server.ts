// The server side of the xDS fan-out benchmark, run as a child process so its CPU and memory are
// its own: Strait's ADS server with one snapshot of N clusters shared by every node.
import { create } from '@bufbuild/protobuf';
import { ClusterSchema, Cluster_DiscoveryType } from '../src/xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import { snapshotOf, startXdsServer } from '../src/xds/server/index.js';

/** Builds `n` EDS clusters as Istio names them; `version` changes every cluster's connect timeout. */
function clusters(n: number, version: number): ReturnType<typeof create<typeof ClusterSchema>>[] {
  return Array.from({ length: n }, (_, i) => create(ClusterSchema, {
    name: `outbound|8080||svc-${i}.bench.svc.cluster.local`,
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS },
    connectTimeout: { seconds: BigInt(1 + (version % 5)), nanos: 0 },
    edsClusterConfig: { serviceName: `outbound|8080||svc-${i}.bench.svc.cluster.local`, edsConfig: { configSourceSpecifier: { case: 'ads', value: {} } } },
    circuitBreakers: { thresholds: [{ maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 }] },
  }));
}

const count = Number(process.argv[2] ?? 1000);
const server = await startXdsServer({ port: 0, nodeKey: () => 'all' });
let version = 1;
server.cache.setSnapshot('all', snapshotOf(String(version), clusters(count, version)));
process.send!({ kind: 'ready', port: server.port });
process.on('message', (m: { kind: string }) => {
  if (m.kind === 'push') {
    version++;
    const t0 = process.hrtime.bigint();
    server.cache.setSnapshot('all', snapshotOf(String(version), clusters(count, version)));
    process.send!({ kind: 'pushed', version: String(version), buildMs: Number(process.hrtime.bigint() - t0) / 1e6 });
  } else if (m.kind === 'usage') {
    const cpu = process.cpuUsage();
    const acked = server.status().filter((s) => s.types.some((t) => t.ackedVersion === String(version))).length;
    process.send!({ kind: 'usage', cpuMs: (cpu.user + cpu.system) / 1000, rssBytes: process.memoryUsage().rss, acked });
  } else if (m.kind === 'stop') {
    void server.close().then(() => process.exit(0));
  }
});
