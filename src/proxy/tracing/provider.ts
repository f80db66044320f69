// Tracer providers (HttpConnectionManager.Tracing.provider, bootstrap tracing.http) by type: one
// driver per distinct config and cluster manager (Envoy's tracer manager shares them), built lazily.
import { anyUnpack, type Any } from '@bufbuild/protobuf/wkt';
import type { Tracing_Http } from '../../xds/gen/envoy/config/trace/v3/http_tracer_pb.js';
import { ZipkinConfigSchema, type ZipkinConfig } from '../../xds/gen/envoy/config/trace/v3/zipkin_pb.js';
import {
  OpenTelemetryConfigSchema, type OpenTelemetryConfig,
} from '../../xds/gen/envoy/config/trace/v3/opentelemetry_pb.js';
import type { ClusterManager } from '../upstream/types.js';
import type { DriverContext } from './driver-context.js';
import type { TracingDriver } from './span.js';
import { onFirstUse } from '../util/on-first-use.js';

const zipkin = onFirstUse<typeof import('./zipkin/zipkin-driver.js')>(new URL('./zipkin/zipkin-driver.js', import.meta.url));
const openTelemetry = onFirstUse<typeof import('./opentelemetry/otel-driver.js')>(new URL('./opentelemetry/otel-driver.js', import.meta.url));

/** A provider's typed_config, when it has one. */
export function providerAny(p: Tracing_Http): Any | undefined {
  return p.configType.case === 'typedConfig' ? p.configType.value : undefined;
}

/** The provider's config type name ('' without typed_config). */
export function providerTypeName(p: Tracing_Http): string {
  const url = providerAny(p)?.typeUrl ?? '';
  return url.slice(url.lastIndexOf('/') + 1);
}

/** A provider's unpacked config. */
export type ProviderConfig = { type: 'zipkin'; config: ZipkinConfig } | { type: 'opentelemetry'; config: OpenTelemetryConfig };

/** Unpacks a provider's typed_config; undefined for a type Strait does not implement. */
export function unpackProvider(p: Tracing_Http): ProviderConfig | undefined {
  const any = providerAny(p);
  if (any === undefined) return undefined;
  const zipkin = anyUnpack(any, ZipkinConfigSchema);
  if (zipkin !== undefined) return { type: 'zipkin', config: zipkin };
  const otel = anyUnpack(any, OpenTelemetryConfigSchema);
  if (otel !== undefined) return { type: 'opentelemetry', config: otel };
  return undefined;
}

const drivers = new WeakMap<ClusterManager, Map<string, TracingDriver & { close(): void }>>();
const bootstrapProviders = new WeakMap<ClusterManager, Tracing_Http>();

/** The driver for a (checked) provider, shared by every HCM with the same config on these clusters. */
export function driverFor(p: Tracing_Http, ctx: DriverContext): TracingDriver {
  const any = providerAny(p)!;
  const key = `${any.typeUrl}:${Buffer.from(any.value).toString('base64')}`;
  let byConfig = drivers.get(ctx.clusterManager);
  if (byConfig === undefined) drivers.set(ctx.clusterManager, (byConfig = new Map()));
  let d = byConfig.get(key);
  if (d === undefined) {
    const unpacked = unpackProvider(p);
    if (unpacked === undefined) throw new Error(`tracer provider '${p.name}' was not checked at load`);
    d = unpacked.type === 'zipkin' ? new (zipkin().ZipkinDriver)(unpacked.config, ctx) : new (openTelemetry().OpenTelemetryDriver)(unpacked.config, ctx);
    byConfig.set(key, d);
  }
  return d;
}

/** Records the bootstrap's tracing.http, the provider of HCMs whose tracing names none. */
export function setBootstrapTracingProvider(cm: ClusterManager, provider: Tracing_Http | undefined): void {
  if (provider === undefined) bootstrapProviders.delete(cm);
  else bootstrapProviders.set(cm, provider);
}

/** The bootstrap's tracing.http for these clusters, if any. */
export function bootstrapTracingProvider(cm: ClusterManager): Tracing_Http | undefined {
  return bootstrapProviders.get(cm);
}

/** Stops the flush timers of the drivers on these clusters (server shutdown). */
export function closeTracers(cm: ClusterManager): void {
  for (const d of drivers.get(cm)?.values() ?? []) d.close();
  drivers.delete(cm);
}
