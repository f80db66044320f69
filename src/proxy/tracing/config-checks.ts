// Load-time checks of a tracer provider, as Envoy rejects them: unimplemented tracer types, and a
// Zipkin collector_cluster the proxy does not have (Envoy's checkCluster); Strait's unsupported options.
import type { Tracing_Http } from '../../xds/gen/envoy/config/trace/v3/http_tracer_pb.js';
import { ZipkinConfig_CollectorEndpointVersion } from '../../xds/gen/envoy/config/trace/v3/zipkin_pb.js';
import type { PathError, PathSeg } from '../bootstrap/config-error.js';
import { providerAny, providerTypeName, unpackProvider } from './provider.js';

/**
 * Errors of one provider at `path` (the `provider` or bootstrap `tracing.http` message); the Zipkin
 * collector cluster is checked against `clusterNames` unless that is null.
 */
export function checkTracingProvider(p: Tracing_Http, path: readonly PathSeg[],
  clusterNames: ReadonlySet<string> | null): PathError[] {
  const unpacked = unpackProvider(p);
  if (unpacked === undefined) {
    const any = providerAny(p);
    return [{ path: any ? [...path, 'typed_config', { key: '@type' }] : [...path, 'name'],
      message: `Didn't find a registered implementation for '${p.name}' with type URL: '${providerTypeName(p)}'` }];
  }
  const at = [...path, 'typed_config'];
  const errors: PathError[] = [];
  if (unpacked.type === 'zipkin') {
    const z = unpacked.config;
    const v = z.collectorEndpointVersion;
    if (v === ZipkinConfig_CollectorEndpointVersion.HTTP_PROTO || v === ZipkinConfig_CollectorEndpointVersion.GRPC) {
      errors.push({ path: [...at, 'collector_endpoint_version'],
        message: `collector_endpoint_version ${ZipkinConfig_CollectorEndpointVersion[v]} is not supported by Strait (use HTTP_JSON)` });
    }
    if (clusterNames !== null && !clusterNames.has(z.collectorCluster)) {
      errors.push({ path: [...at, 'collector_cluster'], message: `envoy.tracers.zipkin: unknown cluster '${z.collectorCluster}'` });
    }
    return errors;
  }
  const o = unpacked.config;
  if (o.grpcService !== undefined) {
    errors.push({ path: [...at, 'grpc_service'], message: 'the OTLP gRPC exporter is not supported by Strait (use http_service)' });
  } else if (o.httpService?.httpUri === undefined) {
    errors.push({ path: [...at, 'http_service'], message: 'OpenTelemetry tracer needs http_service.http_uri (Strait exports OTLP over HTTP only)' });
  } else if (o.httpService.httpUri.httpUpstreamType.case !== 'cluster') {
    errors.push({ path: [...at, 'http_service', 'http_uri', 'cluster'], message: 'http_uri needs a cluster' });
  }
  if (o.sampler !== undefined) errors.push({ path: [...at, 'sampler'], message: 'OpenTelemetry samplers are not supported by Strait' });
  return errors;
}
