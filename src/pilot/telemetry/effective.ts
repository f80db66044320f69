// The telemetry a proxy gets, as istiod computes it: Telemetry resources of the root namespace,
// the proxy's namespace and its workload, merged from least to most specific, per client/server mode.
import type { ConfigObject } from '../config/object.js';
import type {
  AccessLoggingRule, CustomTag, MetricsOverride, MetricsRule, ProviderRef, TelemetrySpec, TracingRule, WorkloadMode,
} from '../config/kinds/telemetry.js';
import type { ExtensionProvider, MeshConfig } from '../model/mesh-config.js';
import type { ProxyScope } from '../model/proxy-views.js';
import { selects } from '../registry/workload.js';

/** Which side of a call a listener reports: CLIENT (outbound, gateways) or SERVER (inbound). */
export type TelemetryMode = 'CLIENT' | 'SERVER';

/** Tracing for one mode: the provider (null: the bootstrap's `zipkin` tracer), sampling and tags. */
export interface TracingPlan {
  provider: ExtensionProvider | null;
  samplingPercent: number;
  customTags: Record<string, CustomTag>;
}

/** What one listener class of a proxy gets. */
export interface TelemetryPlan {
  tracing: TracingPlan | null;
  /** Istio's standard metrics (the `prometheus` provider) with the overrides that apply, or null when off. */
  metrics: { overrides: MetricsOverride[] } | null;
  /** File access log providers. */
  accessLogs: ExtensionProvider[];
}

type Telemetry = ConfigObject<TelemetrySpec>;

/** The Telemetry objects for a proxy, least specific first (root namespace, namespace, workload). */
export function telemetriesFor(all: readonly Telemetry[], proxy: ProxyScope, rootNamespace: string): Telemetry[] {
  const noSelector = (t: Telemetry): boolean => t.spec.selector?.matchLabels === undefined;
  const ns = (t: Telemetry): string => t.metadata.namespace ?? '';
  const byName = (a: Telemetry, b: Telemetry): number => a.metadata.name.localeCompare(b.metadata.name);
  const root = all.filter((t) => ns(t) === rootNamespace && noSelector(t)).sort(byName).slice(0, 1);
  const namespace = proxy.namespace === rootNamespace ? []
    : all.filter((t) => ns(t) === proxy.namespace && noSelector(t)).sort(byName).slice(0, 1);
  const workload = all.filter((t) => ns(t) === proxy.namespace && !noSelector(t)
    && selects(t.spec.selector?.matchLabels ?? {}, proxy.labels)).sort(byName).slice(0, 1);
  return [...root, ...namespace, ...workload];
}

const appliesTo = (m: WorkloadMode | undefined, mode: TelemetryMode): boolean =>
  m === undefined || m === 'CLIENT_AND_SERVER' || m === mode;

function providerNamed(mesh: MeshConfig, refs: readonly ProviderRef[] | undefined): ExtensionProvider[] {
  return (refs ?? []).map((r) => mesh.extensionProviders.find((p) => p.name === r.name))
    .filter((p): p is ExtensionProvider => p !== undefined);
}

function tracingPlan(rules: TracingRule[], mesh: MeshConfig): TracingPlan | null {
  let providers: ProviderRef[] | undefined;
  let sampling: number | undefined;
  let disabled = false;
  const customTags: Record<string, CustomTag> = {};
  for (const r of rules) {
    if (r.providers !== undefined && r.providers.length > 0) providers = r.providers;
    if (r.randomSamplingPercentage !== undefined) sampling = r.randomSamplingPercentage;
    if (r.disableSpanReporting !== undefined) disabled = r.disableSpanReporting;
    Object.assign(customTags, r.customTags ?? {});
  }
  const named = providerNamed(mesh, providers ?? mesh.defaultProviders.tracing.map((name) => ({ name })))
    .filter((p) => p.zipkin !== undefined || p.opentelemetry !== undefined);
  if (disabled || (named.length === 0 && (!mesh.enableTracing || providers !== undefined))) return null;
  return { provider: named[0] ?? null, samplingPercent: sampling ?? mesh.tracingSampling, customTags };
}

function metricsPlan(rules: MetricsRule[], mesh: MeshConfig, mode: TelemetryMode): TelemetryPlan['metrics'] {
  let providers: ProviderRef[] | undefined;
  const overrides: MetricsOverride[] = [];
  for (const r of rules) {
    if (r.providers !== undefined && r.providers.length > 0) providers = r.providers;
    overrides.push(...(r.overrides ?? []).filter((o) => appliesTo(o.match?.mode, mode)));
  }
  const named = providerNamed(mesh, providers ?? mesh.defaultProviders.metrics.map((name) => ({ name })));
  return named.some((p) => p.prometheus !== undefined) ? { overrides } : null;
}

function accessLogPlan(rules: AccessLoggingRule[], mesh: MeshConfig): ExtensionProvider[] {
  // The most specific rule decides.
  const chosen = rules.at(-1);
  if (chosen === undefined) {
    const byDefault = providerNamed(mesh, mesh.defaultProviders.accessLogging.map((name) => ({ name })));
    if (byDefault.length > 0) return byDefault.filter((p) => p.envoyFileAccessLog !== undefined);
    // No Telemetry and no default provider: meshConfig.accessLogFile (a mesh-wide envoy log).
    return mesh.accessLogFile === '' ? [] : [{ name: 'envoy', envoyFileAccessLog: { path: mesh.accessLogFile } }];
  }
  if (chosen.disabled === true) return [];
  const refs = chosen.providers !== undefined && chosen.providers.length > 0 ? chosen.providers
    : mesh.defaultProviders.accessLogging.map((name) => ({ name }));
  return providerNamed(mesh, refs.length > 0 ? refs : [{ name: 'envoy' }]).filter((p) => p.envoyFileAccessLog !== undefined);
}

/** The plan for one mode of a proxy, from its Telemetry objects (least specific first). */
export function telemetryPlan(telemetries: readonly Telemetry[], mesh: MeshConfig, mode: TelemetryMode): TelemetryPlan {
  const rules = <R extends { match?: { mode?: WorkloadMode } }>(pick: (s: TelemetrySpec) => R[] | undefined): R[] =>
    telemetries.flatMap((t) => pick(t.spec) ?? []).filter((r) => appliesTo(r.match?.mode, mode));
  return {
    tracing: tracingPlan(rules((s) => s.tracing), mesh),
    metrics: metricsPlan(telemetries.flatMap((t) => t.spec.metrics ?? []), mesh, mode),
    accessLogs: accessLogPlan(rules((s) => s.accessLogging), mesh),
  };
}
