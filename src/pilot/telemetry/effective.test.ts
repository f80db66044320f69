// Which Telemetry resources reach a proxy (root namespace, namespace, workload selector) and how
// their tracing, metrics and access logging rules merge, per client/server mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigObject } from '../config/object.js';
import type { TelemetrySpec } from '../config/kinds/telemetry.js';
import { defaultMeshConfig } from '../model/mesh-config.js';
import type { ProxyNode } from '../model/proxy.js';
import { telemetriesFor, telemetryPlan } from './effective.js';

const telemetry = (namespace: string, name: string, spec: TelemetrySpec): ConfigObject<TelemetrySpec> =>
  ({ apiVersion: 'telemetry.istio.io/v1', kind: 'Telemetry', metadata: { name, namespace }, spec }) as ConfigObject<TelemetrySpec>;

const proxy = { namespace: 'istioinaction', labels: { app: 'webapp' } } as unknown as ProxyNode;
const mesh = { ...defaultMeshConfig(), extensionProviders: [...defaultMeshConfig().extensionProviders,
  { name: 'zipkin', zipkin: { service: 'zipkin.istio-system.svc.cluster.local', port: 9411 } }] };

test('root, namespace and workload Telemetry apply from least to most specific; other namespaces and selectors do not', () => {
  const all = [
    telemetry('istioinaction', 'workload', { selector: { matchLabels: { app: 'webapp' } }, tracing: [{ randomSamplingPercentage: 50 }] }),
    telemetry('istio-system', 'mesh-default', { tracing: [{ providers: [{ name: 'zipkin' }], randomSamplingPercentage: 10, customTags: { a: { literal: { value: 'root' } } } }] }),
    telemetry('istioinaction', 'ns', { tracing: [{ customTags: { b: { literal: { value: 'ns' } } } }] }),
    telemetry('other', 'elsewhere', { tracing: [{ randomSamplingPercentage: 1 }] }),
    telemetry('istioinaction', 'catalog-only', { selector: { matchLabels: { app: 'catalog' } }, tracing: [{ randomSamplingPercentage: 2 }] }),
  ];
  const chosen = telemetriesFor(all, proxy, 'istio-system');
  assert.deepEqual(chosen.map((t) => t.metadata.name), ['mesh-default', 'ns', 'workload']);
  const plan = telemetryPlan(chosen, mesh, 'SERVER');
  assert.equal(plan.tracing?.samplingPercent, 50, 'the workload\'s sampling wins');
  assert.equal(plan.tracing?.provider?.name, 'zipkin', 'the root\'s provider is inherited');
  assert.deepEqual(Object.keys(plan.tracing?.customTags ?? {}).sort(), ['a', 'b'], 'custom tags merge');
});

test('without Telemetry: mesh sampling with the bootstrap tracer, prometheus metrics, the mesh access log file', () => {
  const plan = telemetryPlan([], { ...mesh, tracingSampling: 100, accessLogFile: '/dev/stdout' }, 'CLIENT');
  assert.deepEqual(plan.tracing, { provider: null, samplingPercent: 100, customTags: {} });
  assert.deepEqual(plan.metrics, { overrides: [] });
  assert.deepEqual(plan.accessLogs.map((p) => p.envoyFileAccessLog?.path), ['/dev/stdout']);
  assert.equal(telemetryPlan([], { ...mesh, enableTracing: false }, 'CLIENT').tracing, null);
});

test('modes: overrides and access logs for CLIENT only leave the SERVER side alone; disabled turns them off', () => {
  const t = [telemetry('istio-system', 'mesh-default', {
    metrics: [{ overrides: [{ match: { metric: 'REQUEST_COUNT', mode: 'CLIENT' }, tagOverrides: { x: { value: "'y'" } } }] }],
    accessLogging: [{ match: { mode: 'CLIENT' }, providers: [{ name: 'envoy' }] }],
  }), telemetry('istioinaction', 'quiet', { tracing: [{ disableSpanReporting: true }], metrics: [{ providers: [{ name: 'none' }] }] })];
  const client = telemetryPlan(t.slice(0, 1), mesh, 'CLIENT');
  const server = telemetryPlan(t.slice(0, 1), mesh, 'SERVER');
  assert.equal(client.metrics?.overrides.length, 1);
  assert.equal(server.metrics?.overrides.length, 0);
  assert.equal(client.accessLogs.length, 1);
  assert.equal(server.accessLogs.length, 0);
  const quiet = telemetryPlan(t, mesh, 'CLIENT');
  assert.equal(quiet.tracing, null, 'disableSpanReporting');
  assert.equal(quiet.metrics, null, 'no prometheus provider: no Istio metrics');
});
