// ORIGINAL_DST clusters: hosts from x-envoy-original-dst-host (or a named header) and from the
// downstream local address, Envoy's config checks, invalid headers, and cleanup of unused hosts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { req } from '../router/test-support.js';
import { ClusterConfigError } from './cluster-manager.js';
import type { ClusterImpl } from './cluster.js';
import { parseIpPort } from './original-dst.js';
import { managerFor } from './test-support.js';

function od(extra: Record<string, unknown> = {}) {
  return { name: 'od', type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', ...extra };
}

test('use_http_header: x-envoy-original-dst-host makes a host once and reuses it', async () => {
  const { cm, stats } = await managerFor([od({ original_dst_lb_config: { use_http_header: true } }) as never]);
  try {
    const c = cm.get('od')!;
    const h1 = c.chooseHost({ head: req('/', { headers: { 'x-envoy-original-dst-host': '127.0.0.1:8081' } }) });
    assert.equal(h1?.key, '127.0.0.1:8081');
    const h2 = c.chooseHost({ head: req('/', { headers: { 'x-envoy-original-dst-host': '127.0.0.1:8081' } }) });
    assert.equal(h2, h1);
    assert.equal(stats.gauge('cluster.od.membership_total').value, 1);
    const v6 = c.chooseHost({ head: req('/', { headers: { 'x-envoy-original-dst-host': '[::1]:9' } }) });
    assert.equal(v6?.key, '[::1]:9');
    // Not an address: counted, then the downstream local address is used.
    const local = c.chooseHost({ head: req('/', { headers: { 'x-envoy-original-dst-host': 'example.com:80' } }),
      downstreamLocalAddress: '127.0.0.2:7000' });
    assert.equal(local?.key, '127.0.0.2:7000');
    assert.equal(stats.counter('cluster.od.original_dst_host_invalid').value, 1);
  } finally {
    cm.destroy();
  }
});

test('without use_http_header the header is ignored; http_header_name names another header', async () => {
  const { cm } = await managerFor([od() as never, { ...od({ original_dst_lb_config: { use_http_header: true,
    http_header_name: 'X-Dst' } }), name: 'named' } as never]);
  try {
    const head = req('/', { headers: { 'x-envoy-original-dst-host': '127.0.0.1:1', 'x-dst': '127.0.0.1:2' } });
    assert.equal(cm.get('od')!.chooseHost({ head }), null);
    assert.equal(cm.get('od')!.chooseHost({ head, downstreamLocalAddress: '127.0.0.1:3' })?.key, '127.0.0.1:3');
    assert.equal(cm.get('named')!.chooseHost({ head })?.key, '127.0.0.1:2');
  } finally {
    cm.destroy();
  }
});

test('cleanup removes a host not chosen since the last pass', async () => {
  const { cm, stats } = await managerFor([od({ original_dst_lb_config: { use_http_header: true } }) as never]);
  try {
    const c = cm.get('od')! as ClusterImpl;
    c.chooseHost({ head: req('/', { headers: { 'x-envoy-original-dst-host': '127.0.0.1:8081' } }) });
    const balancer = (c as unknown as { originalDst: { cleanup(): void; size: number } }).originalDst;
    balancer.cleanup();
    assert.equal(balancer.size, 1, 'used since the last pass: kept, and marked unused');
    balancer.cleanup();
    assert.equal(balancer.size, 0);
    assert.equal(stats.gauge('cluster.od.membership_total').value, 0);
  } finally {
    cm.destroy();
  }
});

test('Envoy\'s config checks: CLUSTER_PROVIDED only, no load_assignment, http_header_name needs use_http_header', async () => {
  await assert.rejects(managerFor([od({ lb_policy: 'ROUND_ROBIN' }) as never]), (e: unknown) => {
    assert.ok(e instanceof ClusterConfigError);
    assert.match(e.message, /lb_policy: cluster: LB policy ROUND_ROBIN is not valid for Cluster type ORIGINAL_DST\. Only 'CLUSTER_PROVIDED' is allowed/);
    return true;
  });
  await assert.rejects(managerFor([od({ load_assignment: { cluster_name: 'od' } }) as never]),
    /ORIGINAL_DST clusters must have no load assignment configured/);
  await assert.rejects(managerFor([od({ original_dst_lb_config: { http_header_name: 'x-a' } }) as never]),
    /http_header_name=x-a and use_http_header is false/);
});

test('parseIpPort: IPv4 and bracketed IPv6 with a port; names and bad ports are not addresses', () => {
  assert.deepEqual(parseIpPort('10.195.16.237:8888'), { address: '10.195.16.237', port: 8888 });
  assert.deepEqual(parseIpPort('[::1]:80'), { address: '::1', port: 80 });
  assert.equal(parseIpPort('::1:80'), null);
  assert.equal(parseIpPort('host:80'), null);
  assert.equal(parseIpPort('1.2.3.4:70000'), null);
  assert.equal(parseIpPort('1.2.3.4'), null);
});
