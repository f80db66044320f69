// Generated clusters through our proxy's CDS checks (what CdsApplier runs before adding a cluster:
// PGV rules and the cluster build) and its upstream TLS context build, so we know what loads.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClusterSchema, type Cluster } from '../../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { PathError } from '../../../proxy/bootstrap/config-error.js';
import { buildUpstreamTls } from '../../../proxy/tls/transport-socket.js';
import { clusterConfigErrors } from '../../../proxy/upstream/cluster-manager.js';
import { formatErrors, schemaErrors } from '../../../proxy/xds/validation.js';
import { buildClustersOf } from './test-support.js';
import { catalogMesh, dr, FakePush, service, sidecar } from './test-support.js';

let dir = '';
let cert = '';
let key = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'strait-cluster-'));
  cert = join(dir, 'cert.pem');
  key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key,
    '-out', cert, '-days', '1', '-subj', '/CN=catalog'], { stdio: 'ignore' });
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** CDS errors plus the upstream TLS build (the connection pool builds it on first use). */
function errorsOf(c: Cluster): string {
  const errors: PathError[] = [...schemaErrors(ClusterSchema, c), ...clusterConfigErrors(c)];
  buildUpstreamTls(c, errors);
  return formatErrors(errors);
}

function generated(): Cluster[] {
  const push = catalogMesh([dr('catalog', 'istioinaction', {
    host: 'catalog',
    trafficPolicy: {
      connectionPool: { tcp: { maxConnections: 5, tcpKeepalive: { time: '10s' } }, http: { idleTimeout: '5s', maxRequestsPerConnection: 2 } },
      outlierDetection: { consecutive5xxErrors: 3, interval: '1s', baseEjectionTime: '10s' },
      loadBalancer: { consistentHash: { httpHeaderName: 'x' } },
    },
    subsets: [
      { name: 'version-v1', labels: { version: 'v1' }, trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } },
      { name: 'version-v2', labels: { version: 'v2' }, trafficPolicy: { tls: { mode: 'MUTUAL', clientCertificate: cert, privateKey: key, caCertificates: cert } } },
    ],
  })], { enableAutoMtls: false });
  const dns = service('forum', 'istioinaction', { hostname: 'jsonplaceholder.typicode.com', resolution: 'DNS', meshExternal: true, addresses: [] });
  const dnsPush = new FakePush([dns], [{
    hostname: dns.hostname, servicePortName: 'http', servicePort: 80, address: dns.hostname, port: 80, labels: {},
    locality: { region: '', zone: '', subzone: '' }, serviceAccount: '', identity: '', network: '', weight: 0, tlsMode: 'disabled',
    healthy: true, workload: '',
  }]);
  const certs = { certChain: cert, privateKey: key, rootCert: cert };
  return [...buildClustersOf(push, sidecar({ ipAddresses: ['10.0.1.1'] }), { istioMutualCerts: certs }), ...buildClustersOf(dnsPush, sidecar()).slice(0, 1)];
}

describe('generated clusters in our proxy', () => {
  it('load: EDS, STRICT_DNS, STATIC, ORIGINAL_DST, policies, ISTIO_MUTUAL and MUTUAL with files', () => {
    const cs = generated();
    assert.deepEqual(cs.map((c) => c.name), [
      'outbound|80||catalog.istioinaction.svc.cluster.local', 'outbound|80|version-v1|catalog.istioinaction.svc.cluster.local',
      'outbound|80|version-v2|catalog.istioinaction.svc.cluster.local', 'BlackHoleCluster', 'PassthroughCluster', 'inbound|3000||',
      'InboundPassthroughCluster', 'outbound|80||jsonplaceholder.typicode.com',
    ]);
    for (const c of cs) assert.equal(errorsOf(c), '', c.name);
  });

  it('ISTIO_MUTUAL over SDS (Istio\'s form, no cert files given) loads: default and ROOTCA come from the sds-grpc source', () => {
    const push = catalogMesh([dr('catalog', 'istioinaction', { host: 'catalog', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } })]);
    const c = buildClustersOf(push, sidecar())[0];
    assert.equal(errorsOf(c), '');
  });

  it('auto mTLS socket matches load with workload cert files and in Istio\'s SDS form', () => {
    const withMatches = (cs: Cluster[]): Cluster => {
      const c = cs.find((x) => x.transportSocketMatches.length > 0);
      assert.ok(c, 'an auto-mTLS cluster');
      return c;
    };
    const sds = withMatches(buildClustersOf(catalogMesh(), sidecar()));
    assert.equal(errorsOf(sds), '');
    const files = withMatches(buildClustersOf(catalogMesh(), sidecar(), { istioMutualCerts: { certChain: cert, privateKey: key, rootCert: cert } }));
    assert.equal(errorsOf(files), '');
  });
});
