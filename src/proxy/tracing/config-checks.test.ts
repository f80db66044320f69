// Load-time errors of tracer providers: unimplemented types, unknown Zipkin collector clusters,
// and the exporters Strait does not have.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { Tracing_HttpSchema } from '../../xds/gen/envoy/config/trace/v3/http_tracer_pb.js';
import { ZipkinConfigSchema, ZipkinConfig_CollectorEndpointVersion } from '../../xds/gen/envoy/config/trace/v3/zipkin_pb.js';
import { OpenTelemetryConfigSchema } from '../../xds/gen/envoy/config/trace/v3/opentelemetry_pb.js';
import { GrpcServiceSchema } from '../../xds/gen/envoy/config/core/v3/grpc_service_pb.js';
import { DurationSchema } from '@bufbuild/protobuf/wkt';
import { checkTracingProvider } from './config-checks.js';

const clusters = new Set(['zipkin']);

test('a Zipkin provider naming a known cluster passes; an unknown one fails as Envoy words it', () => {
  const ok = create(Tracing_HttpSchema, { name: 'envoy.tracers.zipkin', configType: { case: 'typedConfig',
    value: anyPack(ZipkinConfigSchema, create(ZipkinConfigSchema, { collectorCluster: 'zipkin', collectorEndpoint: '/api/v2/spans' })) } });
  assert.deepEqual(checkTracingProvider(ok, ['tracing', 'http'], clusters), []);
  const bad = create(Tracing_HttpSchema, { name: 'envoy.tracers.zipkin', configType: { case: 'typedConfig',
    value: anyPack(ZipkinConfigSchema, create(ZipkinConfigSchema, { collectorCluster: 'nope', collectorEndpoint: '/x',
      collectorEndpointVersion: ZipkinConfig_CollectorEndpointVersion.HTTP_PROTO })) } });
  assert.deepEqual(checkTracingProvider(bad, ['tracing', 'http'], clusters).map((e) => e.message), [
    'collector_endpoint_version HTTP_PROTO is not supported by Strait (use HTTP_JSON)',
    "envoy.tracers.zipkin: unknown cluster 'nope'",
  ]);
  assert.deepEqual(checkTracingProvider(bad, ['tracing', 'http'], null).length, 1, 'with CDS the cluster is not checked');
});

test('an unimplemented tracer type and a gRPC OpenTelemetry exporter are errors', () => {
  const other = create(Tracing_HttpSchema, { name: 'envoy.tracers.datadog', configType: { case: 'typedConfig',
    value: anyPack(DurationSchema, create(DurationSchema, {})) } });
  assert.deepEqual(checkTracingProvider(other, ['p'], clusters), [{ path: ['p', 'typed_config', { key: '@type' }],
    message: "Didn't find a registered implementation for 'envoy.tracers.datadog' with type URL: 'google.protobuf.Duration'" }]);
  const grpc = create(Tracing_HttpSchema, { name: 'envoy.tracers.opentelemetry', configType: { case: 'typedConfig',
    value: anyPack(OpenTelemetryConfigSchema, create(OpenTelemetryConfigSchema, { grpcService: create(GrpcServiceSchema, {}) })) } });
  assert.deepEqual(checkTracingProvider(grpc, ['p'], clusters).map((e) => e.path), [['p', 'typed_config', 'grpc_service']]);
});
