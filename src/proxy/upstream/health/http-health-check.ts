// http_health_check: sends `method path` with `Host: host` (else the cluster's name) and
// `user-agent: Envoy/HC`; an expected status passes, another status fails at once (retriable_statuses
// wait for unhealthy_threshold), x-envoy-degraded marks the host degraded.
import { HeaderMap, type RequestHead } from '../../http/headers.js';
import { StreamInfo } from '../../http/stream-info.js';
import type { HostImpl } from '../host.js';
import { HealthFlag } from '../types.js';
import { HcHttpConnection, type HcResponse, type HcResponseCallbacks } from './hc-http-connection.js';
import type { HttpCheckSettings } from './health-check-config.js';
import { FailureType, HealthCheckSession, type HealthChecker } from './health-checker.js';
import { payloadMatches } from './payload-match.js';

function inRanges(status: number, ranges: readonly (readonly [number, number])[]): boolean {
  for (const [start, end] of ranges) if (status >= start && status < end) return true;
  return false;
}

/** Envoy's user agent for health checks. */
export const HEALTH_CHECK_USER_AGENT = 'Envoy/HC';

/** One host's HTTP health checks. */
export class HttpHealthCheckSession extends HealthCheckSession implements HcResponseCallbacks {
  private readonly conn: HcHttpConnection;
  private readonly authority: string;

  constructor(parent: HealthChecker, host: HostImpl, private readonly cfg: HttpCheckSettings) {
    super(parent, host);
    const keep = cfg.receive.length === 0 ? 0 : cfg.responseBufferSize === 0 ? Infinity : cfg.responseBufferSize;
    this.conn = new HcHttpConnection(cfg.protocol, parent.owner.connectTimeoutMs, keep);
    this.authority = cfg.host !== '' ? cfg.host : parent.owner.clusterName;
  }

  protected onInterval(): void {
    const cfg = this.cfg;
    const headers = new HeaderMap();
    headers.set('user-agent', HEALTH_CHECK_USER_AGENT);
    const head: RequestHead = { method: cfg.method, path: cfg.path, authority: this.authority, scheme: 'http',
      protocol: cfg.protocol, headers };
    if (cfg.headers !== null) {
      const info = new StreamInfo(cfg.protocol);
      info.upstreamCluster = this.parent.owner.clusterName;
      info.upstreamHost = this.host.key;
      cfg.headers.apply(headers, head, undefined, info);
    }
    if (cfg.send !== null) headers.set('content-length', String(cfg.send.length));
    this.conn.request(this.host.address, this.port, head, cfg.send, this, this.parent.settings.reuseConnection);
  }

  onResponse(res: HcResponse): void {
    const cfg = this.cfg;
    const h = res.head.headers;
    const status = res.head.status;
    const bodyOk = payloadMatches(cfg.receive, res.body);
    if (!bodyOk || !inRanges(status, cfg.expected)) {
      if (h.has('x-envoy-immediate-health-check-fail')) this.excludeImmediately();
      this.handleFailure(FailureType.Active, bodyOk && inRanges(status, cfg.retriable));
      return;
    }
    const degraded = h.has('x-envoy-degraded');
    if (cfg.serviceName !== null) {
      this.parent.stats.verify_cluster.inc();
      if (!cfg.serviceName.match(h.get('x-envoy-upstream-healthchecked-cluster') ?? '')) {
        this.handleFailure(FailureType.Active, false);
        return;
      }
    }
    this.handleSuccess(degraded);
  }

  onNetworkFailure(): void {
    this.handleFailure(FailureType.Network, false);
  }

  /** x-envoy-immediate-health-check-fail on a failing answer: out of load balancing at once. */
  private excludeImmediately(): void {
    if ((this.host.healthFlags & HealthFlag.ExcludedViaImmediateHcFail) !== 0) return;
    this.host.healthFlags |= HealthFlag.ExcludedViaImmediateHcFail;
    this.parent.owner.onHostHealthChanged();
  }

  protected onTimeout(): void {
    this.conn.abort();
  }

  protected onStop(): void {
    this.conn.close();
  }
}
