// Tag extraction with Envoy's default extractors and bootstrap stats_tags, checked against the
// names and label order Envoy's own tag extractor tests and Prometheus output show.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TagProducer } from './tag-extractor.js';

const producer = new TagProducer();

function tags(name: string): [string, string[]] {
  const r = producer.produceTags(name);
  return [r.name, r.tags.map((t) => `${t.name}=${t.value}`)];
}

test('default extractors, in Envoy order', () => {
  const cases: [string, string, string[]][] = [
    ['cluster.httpbin_service.upstream_rq_200', 'cluster.upstream_rq',
      ['envoy.response_code=200', 'envoy.cluster_name=httpbin_service']],
    ['cluster.httpbin_service.upstream_rq_5xx', 'cluster.upstream_rq_xx',
      ['envoy.response_code_class=5', 'envoy.cluster_name=httpbin_service']],
    ['cluster.foo.retry.upstream_rq_503', 'cluster.retry.upstream_rq', ['envoy.response_code=503', 'envoy.cluster_name=foo']],
    ['cluster.foo.upstream_rq_total', 'cluster.upstream_rq_total', ['envoy.cluster_name=foo']],
    ['http.ingress_http.downstream_rq_2xx', 'http.downstream_rq_xx',
      ['envoy.response_code_class=2', 'envoy.http_conn_manager_prefix=ingress_http']],
    ['listener.0.0.0.0_10000.downstream_cx_total', 'listener.downstream_cx_total', ['envoy.listener_address=0.0.0.0_10000']],
    ['listener.[__1]_443.http.ingress.downstream_rq_total', 'listener.http.downstream_rq_total',
      ['envoy.http_conn_manager_prefix=ingress', 'envoy.listener_address=[__1]_443']],
    ['listener.admin.downstream_cx_total', 'listener.admin.downstream_cx_total', []],
    ['vhost.vh.vcluster.other.upstream_rq_2xx', 'vhost.vcluster.upstream_rq_xx',
      ['envoy.response_code_class=2', 'envoy.virtual_cluster=other', 'envoy.virtual_host=vh']],
    ['vhost.vh.route.r1.upstream_rq_total', 'vhost.route.upstream_rq_total', ['envoy.virtual_host=vh', 'envoy.route=r1']],
    ['tcp.db_tcp.downstream_cx_total', 'tcp.downstream_cx_total', ['envoy.tcp_prefix=db_tcp']],
    ['listener_manager.worker_1.dispatcher.loop_duration_us', 'listener_manager.worker_dispatcher.loop_duration_us',
      ['envoy.worker_id=1']],
    ['http.hcm.rds.my.routes.update_success', 'http.rds.update_success',
      ['envoy.rds_route_config=my.routes', 'envoy.http_conn_manager_prefix=hcm']],
    ['server.live', 'server.live', []],
  ];
  for (const [name, extracted, expected] of cases) assert.deepEqual(tags(name), [extracted, expected], name);
});

test("bootstrap stats_tags: Istio's cluster_name regex, fixed values, no defaults", () => {
  const istio = new TagProducer({
    statsTags: [
      { tagName: 'cluster_name', tagValue: { case: 'regex', value: String.raw`^cluster\.((.+?(\..+?\.svc\.cluster\.local)?)\.)` } },
      { tagName: 'mesh', tagValue: { case: 'fixedValue', value: 'm1' } },
    ],
  });
  const r = istio.produceTags('cluster.outbound|80||catalog.istioinaction.svc.cluster.local.upstream_rq_total');
  assert.equal(r.name, 'cluster.upstream_rq_total');
  // Prefix-less extractors run first, then those indexed by the first token, defaults before custom ones.
  assert.deepEqual(r.tags.map((t) => `${t.name}=${t.value}`), [
    'mesh=m1', 'envoy.cluster_name=outbound|80||catalog',
    'cluster_name=outbound|80||catalog.istioinaction.svc.cluster.local']);
  const bare = new TagProducer({ useAllDefaultTags: false });
  assert.deepEqual(bare.produceTags('cluster.a.upstream_rq_200'), { name: 'cluster.a.upstream_rq_200', tags: [] });
  const named = new TagProducer({ useAllDefaultTags: false, statsTags: [{ tagName: 'envoy.cluster_name', tagValue: { case: undefined } }] });
  assert.deepEqual(named.produceTags('cluster.a.upstream_rq_200').tags, [{ name: 'envoy.cluster_name', value: 'a' }]);
});

test('bad tag specifiers fail with Envoy messages', () => {
  assert.throws(() => new TagProducer({ statsTags: [{ tagName: 'x', tagValue: { case: undefined } }] }),
    /No regex specified for tag specifier and no default regex for name: 'x'/);
  assert.throws(() => new TagProducer({ statsTags: [{ tagName: 'x', tagValue: { case: 'regex', value: '(' } }] }),
    /Invalid regex '\('/);
});
