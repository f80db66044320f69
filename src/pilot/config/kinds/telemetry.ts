// telemetry.istio.io Telemetry spec (v1alpha1/v1): tracing, metrics and access logging,
// each a list of rules naming extension providers, scoped by namespace and workload selector.

export interface ProviderRef { name: string }

/** CLIENT (outbound and gateways), SERVER (inbound) or both. */
export type WorkloadMode = 'CLIENT_AND_SERVER' | 'CLIENT' | 'SERVER';

export interface CustomTag {
  literal?: { value?: string };
  environment?: { name?: string; defaultValue?: string };
  header?: { name?: string; defaultValue?: string };
}

export interface TracingRule {
  match?: { mode?: WorkloadMode };
  providers?: ProviderRef[];
  randomSamplingPercentage?: number;
  disableSpanReporting?: boolean;
  customTags?: Record<string, CustomTag>;
}

export interface TagOverride { operation?: 'UPSERT' | 'REMOVE'; value?: string }

export interface MetricsOverride {
  match?: { metric?: string; customMetric?: string; mode?: WorkloadMode };
  disabled?: boolean;
  tagOverrides?: Record<string, TagOverride>;
}

export interface MetricsRule {
  providers?: ProviderRef[];
  overrides?: MetricsOverride[];
}

export interface AccessLoggingRule {
  match?: { mode?: WorkloadMode };
  providers?: ProviderRef[];
  disabled?: boolean;
}

export interface TelemetrySpec {
  selector?: { matchLabels?: Record<string, string> };
  tracing?: TracingRule[];
  metrics?: MetricsRule[];
  accessLogging?: AccessLoggingRule[];
}
