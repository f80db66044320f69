// One report POSTed to a tracing collector through the proxy's own clusters and pools (the async request
// of upstream/async-request.ts): counted in the collector cluster's stats; the outcome goes to a callback, never a throw.
import { HeaderMap, type RequestHead } from '../http/headers.js';
import { clusterProtocol, sendAsyncRequest } from '../upstream/async-request.js';
import type { ClusterManager } from '../upstream/types.js';

/** How a report ended: the collector's status, or a failure (no host, connect error, reset, timeout). */
export type ReportOutcome = { status: number } | { failed: string } | { noCluster: true };

/** Where and how a collector takes reports. */
export interface CollectorTarget {
  readonly cluster: string;
  readonly path: string;
  /** The Host header (`:authority`). */
  readonly host: string;
  readonly contentType: string;
  /** Extra request headers (OpenTelemetry http_service.request_headers_to_add). */
  readonly headers: readonly (readonly [string, string])[];
}

/** POSTs `body` to the collector; `onDone` is told how it went (asynchronously or at once, never by a throw). */
export function postReport(cm: ClusterManager, target: CollectorTarget, body: string, timeoutMs: number,
  onDone: (o: ReportOutcome) => void): void {
  const headers = new HeaderMap();
  headers.set('content-type', target.contentType);
  const bytes = Buffer.from(body);
  headers.set('content-length', String(bytes.length));
  for (const [k, v] of target.headers) headers.set(k, v);
  const head: RequestHead = { method: 'POST', path: target.path, authority: target.host, scheme: 'http',
    protocol: clusterProtocol(cm, target.cluster), headers };
  sendAsyncRequest(cm, target.cluster, head, bytes, timeoutMs, (o) => onDone('status' in o ? { status: o.status } : o));
}
