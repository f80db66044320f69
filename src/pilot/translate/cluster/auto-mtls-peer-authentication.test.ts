// Auto mTLS following the destination's PeerAuthentication, as istiod: a namespace (or mesh) DISABLE
// leaves the cluster plaintext; a workload or port DISABLE drops that endpoint's tlsMode so the
// tlsMode-disabled (raw_buffer) match serves it; a DestinationRule TLS mode overrides; auto mTLS off stays off.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Cluster } from '../../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { ConfigObject } from '../../config/object.js';
import type { DestinationRuleSpec } from '../../config/kinds/destination-rule.js';
import type { PeerAuthenticationSpec } from '../../config/kinds/peer-authentication.js';
import type { MeshConfig } from '../../model/mesh-config.js';
import { buildEndpoints } from '../endpoint/endpoints.js';
import { buildClustersOf } from './test-support.js';
import { dr, FakePush, instance, service, sidecar } from './test-support.js';

const NS = 'istioinaction';
const MAIN = `outbound|80||catalog.${NS}.svc.cluster.local`;
const catalog = service('catalog', NS);

function pa(namespace: string, spec: PeerAuthenticationSpec, name = 'default'): ConfigObject<PeerAuthenticationSpec> {
  return { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name, namespace }, spec };
}

function mesh(policies: ConfigObject<PeerAuthenticationSpec>[], rules: ConfigObject<DestinationRuleSpec>[] = [],
  meshConfig: Partial<MeshConfig> = {}): FakePush {
  return new FakePush([catalog], [instance(catalog, '10.0.1.1', { version: 'v1' }), instance(catalog, '10.0.1.2', { version: 'v2' })],
    rules, meshConfig, policies);
}

const mainCluster = (push: FakePush): Cluster => {
  const c = buildClustersOf(push, sidecar()).find((x) => x.name === MAIN);
  assert.ok(c);
  return c;
};
const matchNames = (push: FakePush): string[] => mainCluster(push).transportSocketMatches.map((m) => m.name);

/** Each endpoint address with the tlsMode its metadata keeps ('' = none: the raw_buffer match). */
function tlsModes(push: FakePush): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of buildEndpoints(push, sidecar(), MAIN)?.endpoints ?? []) {
    for (const e of l.lbEndpoints) {
      const addr = e.hostIdentifier.case === 'endpoint' && e.hostIdentifier.value.address?.address.case === 'socketAddress'
        ? e.hostIdentifier.value.address.address.value.address : '?';
      const m = e.metadata?.filterMetadata['envoy.transport_socket_match']?.['tlsMode'];
      out[addr] = typeof m === 'string' ? m : '';
    }
  }
  return out;
}

describe('auto mTLS and PeerAuthentication', () => {
  it('no policy, a PERMISSIVE or a STRICT one: the tlsMode socket matches, every sidecar endpoint tlsMode istio', () => {
    for (const policies of [[], [pa(NS, { mtls: { mode: 'PERMISSIVE' } })], [pa('istio-system', { mtls: { mode: 'STRICT' } })]]) {
      assert.deepEqual(matchNames(mesh(policies)), ['tlsMode-istio', 'tlsMode-disabled']);
      assert.deepEqual(tlsModes(mesh(policies)), { '10.0.1.1': 'istio', '10.0.1.2': 'istio' });
    }
  });

  it('the destination namespace DISABLE (or the mesh\'s, not overridden): plaintext, no socket matches', () => {
    for (const policies of [[pa(NS, { mtls: { mode: 'DISABLE' } })], [pa('istio-system', { mtls: { mode: 'DISABLE' } })]]) {
      const c = mainCluster(mesh(policies));
      assert.deepEqual(c.transportSocketMatches, []);
      assert.equal(c.transportSocket, undefined);
      assert.deepEqual(tlsModes(mesh(policies)), { '10.0.1.1': '', '10.0.1.2': '' });
    }
    // A namespace PERMISSIVE over a mesh DISABLE brings it back.
    assert.deepEqual(matchNames(mesh([pa('istio-system', { mtls: { mode: 'DISABLE' } }), pa(NS, { mtls: { mode: 'PERMISSIVE' } })])),
      ['tlsMode-istio', 'tlsMode-disabled']);
  });

  it('a workload DISABLE keeps the cluster\'s matches and drops that workload\'s tlsMode (raw_buffer to it)', () => {
    const push = mesh([pa(NS, { selector: { matchLabels: { version: 'v2' } }, mtls: { mode: 'DISABLE' } }, 'v2-plain')]);
    assert.deepEqual(matchNames(push), ['tlsMode-istio', 'tlsMode-disabled']);
    assert.deepEqual(tlsModes(push), { '10.0.1.1': 'istio', '10.0.1.2': '' });
  });

  it('a port-level DISABLE on the target port drops the tlsMode; another port keeps it', () => {
    const on3000 = mesh([pa(NS, { selector: { matchLabels: { version: 'v1' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 3000: { mode: 'DISABLE' } } }, 'v1')]);
    assert.deepEqual(tlsModes(on3000), { '10.0.1.1': '', '10.0.1.2': 'istio' });
    const on9999 = mesh([pa(NS, { selector: { matchLabels: { version: 'v1' } }, portLevelMtls: { 9999: { mode: 'DISABLE' } } }, 'v1')]);
    assert.deepEqual(tlsModes(on9999), { '10.0.1.1': 'istio', '10.0.1.2': 'istio' });
  });

  it('a DestinationRule TLS mode decides instead: ISTIO_MUTUAL keeps the tlsMode despite DISABLE, DISABLE drops it', () => {
    const disabled = pa(NS, { selector: { matchLabels: { version: 'v2' } }, mtls: { mode: 'DISABLE' } }, 'v2-plain');
    assert.deepEqual(tlsModes(mesh([disabled], [dr('catalog', NS, { host: 'catalog', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } })])),
      { '10.0.1.1': 'istio', '10.0.1.2': 'istio' });
    assert.deepEqual(tlsModes(mesh([], [dr('catalog', NS, { host: 'catalog', trafficPolicy: { tls: { mode: 'DISABLE' } } })])),
      { '10.0.1.1': '', '10.0.1.2': '' });
  });

  it('enableAutoMtls false: no socket matches whatever the policies say, as before', () => {
    for (const policies of [[], [pa(NS, { mtls: { mode: 'STRICT' } })]]) {
      assert.deepEqual(mainCluster(mesh(policies, [], { enableAutoMtls: false })).transportSocketMatches, []);
    }
  });

  it('a headless destination with an endpoint without sidecar gets no auto mTLS (BestEffortInferServiceMTLSMode)', () => {
    const headless = service('db', NS, { resolution: 'Passthrough', addresses: [] });
    const push = new FakePush([headless], [instance(headless, '10.0.2.1', {}), instance(headless, '10.0.2.2', {}, { tlsMode: 'disabled' })]);
    const c = buildClustersOf(push, sidecar()).find((x) => x.name === `outbound|80||db.${NS}.svc.cluster.local`);
    assert.ok(c);
    assert.equal(c.transportSocket, undefined);
    const allSidecars = new FakePush([headless], [instance(headless, '10.0.2.1', {})]);
    const tls = buildClustersOf(allSidecars, sidecar()).find((x) => x.name === `outbound|80||db.${NS}.svc.cluster.local`);
    assert.equal(tls?.transportSocket?.name, 'envoy.transport_sockets.tls');
  });
});
