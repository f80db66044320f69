// The control plane's Prometheus metrics with istiod's names, types, help texts and buckets
// (pilot/pkg/xds/monitoring.go), in a prom-client registry of their own.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { splitApiVersion, type ConfigObject } from '../config/object.js';
import type { PushRequest } from '../push/push-request.js';

/** The metrics of one control plane. */
export class PilotMetrics {
  readonly registry = new Registry();
  readonly services: Gauge;
  readonly xdsClients: Gauge<'version'>;
  readonly pushes: Counter<'type'>;
  readonly pushTriggers: Counter<'type'>;
  readonly inboundUpdates: Counter<'type'>;
  readonly totalXdsRejects: Counter<'type'>;
  readonly totalXdsInternalErrors: Counter;
  readonly pushContextErrors: Counter;
  readonly validationFailed: Counter<'group' | 'version' | 'resource' | 'reason'>;
  readonly debounceTime: Histogram;
  readonly pushContextInitTime: Histogram;
  readonly pushTime: Histogram<'type'>;
  readonly proxyQueueTime: Histogram;
  readonly proxyConvergenceTime: Histogram;
  readonly configSizeBytes: Histogram<'type'>;

  constructor(opts: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.services = new Gauge({ name: 'pilot_services', help: 'Total services known to pilot.', registers });
    this.xdsClients = new Gauge({ name: 'pilot_xds', help: 'Number of endpoints connected to this pilot using XDS.',
      labelNames: ['version'], registers });
    this.pushes = new Counter({ name: 'pilot_xds_pushes', help: 'Pilot build and send errors for lds, rds, cds and eds.',
      labelNames: ['type'], registers });
    this.pushTriggers = new Counter({ name: 'pilot_push_triggers',
      help: 'Total number of times a push was triggered, labeled by reason for the push.', labelNames: ['type'], registers });
    this.inboundUpdates = new Counter({ name: 'pilot_inbound_updates', help: 'Total number of updates received by pilot.',
      labelNames: ['type'], registers });
    this.totalXdsRejects = new Counter({ name: 'pilot_total_xds_rejects',
      help: 'Total number of XDS responses from pilot rejected by proxy.', labelNames: ['type'], registers });
    this.totalXdsInternalErrors = new Counter({ name: 'pilot_total_xds_internal_errors',
      help: 'Total number of internal XDS errors in pilot.', registers });
    this.pushContextErrors = new Counter({ name: 'pilot_xds_push_context_errors',
      help: 'Number of errors (timeouts) initiating push context.', registers });
    // istiod's validation webhook counter (served on the same port); here the watched directory is the intake.
    this.validationFailed = new Counter({ name: 'galley_validation_failed', help: 'Resource validation failed',
      labelNames: ['group', 'version', 'resource', 'reason'], registers });
    this.debounceTime = new Histogram({ name: 'pilot_debounce_time',
      help: 'Delay in seconds between the first config enters debouncing and the merged push request is pushed into the push queue.',
      buckets: [0.01, 0.1, 1, 3, 5, 10, 20, 30], registers });
    this.pushContextInitTime = new Histogram({ name: 'pilot_pushcontext_init_seconds',
      help: 'Total time in seconds Pilot takes to init pushContext.', buckets: [0.01, 0.1, 0.5, 1, 3, 5], registers });
    this.pushTime = new Histogram({ name: 'pilot_xds_push_time',
      help: 'Total time in seconds Pilot takes to push lds, rds, cds and eds.',
      buckets: [0.01, 0.1, 1, 3, 5, 10, 20, 30], labelNames: ['type'], registers });
    this.proxyQueueTime = new Histogram({ name: 'pilot_proxy_queue_time',
      help: 'Time in seconds, a proxy is in the push queue before being dequeued.',
      buckets: [0.1, 0.5, 1, 3, 5, 10, 20, 30], registers });
    this.proxyConvergenceTime = new Histogram({ name: 'pilot_proxy_convergence_time',
      help: 'Delay in seconds between config change and a proxy receiving all required configuration.',
      buckets: [0.1, 0.5, 1, 3, 5, 10, 20, 30], registers });
    this.configSizeBytes = new Histogram({ name: 'pilot_xds_config_size_bytes',
      help: 'Distribution of configuration sizes pushed to clients',
      buckets: [1, 10000, 1000000, 4000000, 10000000, 40000000], labelNames: ['type'], registers });
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** A debounced push went out: its triggers by reason and how long it waited. */
  recordPushStarted(req: PushRequest, debounceDelayMs: number): void {
    for (const [reason, n] of req.reasons) this.pushTriggers.inc({ type: reason }, n);
    this.debounceTime.observe(debounceDelayMs / 1000);
  }

  /** One resource type was sent to one proxy (istiod's recordPushTime): `type` is cds, eds, lds or rds. */
  recordSent(type: string, pushMs: number, bytes: number): void {
    this.pushes.inc({ type });
    this.pushTime.observe({ type }, pushMs / 1000);
    this.configSizeBytes.observe({ type }, bytes);
  }

  /** An object failed validation at intake and was not admitted (the webhook's `invalid_resource`). */
  recordValidationFailed(o: Pick<ConfigObject, 'apiVersion' | 'kind'>): void {
    const { group, version } = splitApiVersion(o.apiVersion);
    this.validationFailed.inc({ group, version, resource: resourceName(o.kind), reason: 'invalid_resource' });
  }

  /** The Prometheus text exposition of every metric. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}

/** A kind's Kubernetes resource name: lower case plural (VirtualService -> virtualservices, ServiceEntry -> serviceentries). */
export function resourceName(kind: string): string {
  const k = kind.toLowerCase();
  return k.endsWith('y') ? `${k.slice(0, -1)}ies` : `${k}s`;
}

/** Envoy type URL -> the `type` label istiod uses (v3.GetMetricType). */
export function metricType(typeUrl: string): string {
  if (typeUrl.endsWith('.Cluster')) return 'cds';
  if (typeUrl.endsWith('.ClusterLoadAssignment')) return 'eds';
  if (typeUrl.endsWith('.Listener')) return 'lds';
  if (typeUrl.endsWith('.RouteConfiguration')) return 'rds';
  if (typeUrl.endsWith('.Secret')) return 'sds';
  if (typeUrl.endsWith('.VirtualHost')) return 'vhds';
  return typeUrl;
}
