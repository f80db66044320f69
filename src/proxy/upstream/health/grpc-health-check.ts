// grpc_health_check: calls grpc.health.v1.Health/Check over HTTP/2; the host passes when the call
// ends with grpc-status 0 and the answer says SERVING. Any other answer fails at once.
import { HeaderMap, type RequestHead } from '../../http/headers.js';
import { StreamInfo } from '../../http/stream-info.js';
import type { HostImpl } from '../host.js';
import { HcHttpConnection, type HcResponse, type HcResponseCallbacks } from './hc-http-connection.js';
import type { GrpcCheckSettings } from './health-check-config.js';
import { FailureType, HealthCheckSession, type HealthChecker } from './health-checker.js';
import { HEALTH_CHECK_USER_AGENT } from './http-health-check.js';

const CHECK_PATH = '/grpc.health.v1.Health/Check';
/** grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING. */
const SERVING = 1;
/** Enough for any HealthCheckResponse. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/** A length-prefixed gRPC message holding HealthCheckRequest{service}. */
export function encodeCheckRequest(service: string): Buffer {
  const name = Buffer.from(service, 'utf8');
  const msg = name.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a]), varint(name.length), name]);
  const frame = Buffer.alloc(5 + msg.length);
  frame.writeUInt32BE(msg.length, 1);
  msg.copy(frame, 5);
  return frame;
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

/** The `status` of the first HealthCheckResponse in `body`, or -1 when there is none. */
export function servingStatus(body: Buffer): number {
  if (body.length < 5 || body[0] !== 0) return -1;
  const len = body.readUInt32BE(1);
  if (body.length < 5 + len) return -1;
  const msg = body.subarray(5, 5 + len);
  let status = 0;
  let i = 0;
  while (i < msg.length) {
    const tag = msg[i++];
    const wire = tag & 7;
    let v = 0;
    let shift = 0;
    if (wire === 0) {
      for (;;) {
        if (i >= msg.length) return -1;
        const b = msg[i++];
        v += (b & 0x7f) * 2 ** shift;
        shift += 7;
        if ((b & 0x80) === 0) break;
      }
      if (tag >> 3 === 1) status = v;
    } else if (wire === 2) {
      for (;;) {
        if (i >= msg.length) return -1;
        const b = msg[i++];
        v += (b & 0x7f) * 2 ** shift;
        shift += 7;
        if ((b & 0x80) === 0) break;
      }
      i += v;
    } else {
      return -1;
    }
  }
  return status;
}

/** One host's gRPC health checks. */
export class GrpcHealthCheckSession extends HealthCheckSession implements HcResponseCallbacks {
  private readonly conn: HcHttpConnection;
  private readonly authority: string;
  private readonly body: Buffer;

  constructor(parent: HealthChecker, host: HostImpl, private readonly cfg: GrpcCheckSettings) {
    super(parent, host);
    this.conn = new HcHttpConnection('HTTP/2', parent.owner.connectTimeoutMs, MAX_RESPONSE_BYTES);
    this.authority = cfg.authority !== '' ? cfg.authority : parent.owner.clusterName;
    this.body = encodeCheckRequest(cfg.serviceName);
  }

  protected onInterval(): void {
    const headers = new HeaderMap();
    headers.set('content-type', 'application/grpc');
    headers.set('te', 'trailers');
    headers.set('user-agent', HEALTH_CHECK_USER_AGENT);
    const head: RequestHead = { method: 'POST', path: CHECK_PATH, authority: this.authority, scheme: 'http',
      protocol: 'HTTP/2', headers };
    if (this.cfg.headers !== null) {
      const info = new StreamInfo('HTTP/2');
      info.upstreamHost = this.host.key;
      this.cfg.headers.apply(headers, head, undefined, info);
    }
    this.conn.request(this.host.address, this.port, head, this.body, this, this.parent.settings.reuseConnection);
  }

  onResponse(res: HcResponse): void {
    const h = res.head.headers;
    const grpcStatus = res.trailers?.get('grpc-status') ?? h.get('grpc-status');
    const ok = res.head.status === 200 && (h.get('content-type') ?? '').startsWith('application/grpc')
      && grpcStatus === '0' && servingStatus(res.body) === SERVING;
    if (ok) this.handleSuccess(false);
    else this.handleFailure(FailureType.Active, false);
  }

  onNetworkFailure(): void {
    this.handleFailure(FailureType.Network, false);
  }

  protected onTimeout(): void {
    this.conn.abort();
  }

  protected onStop(): void {
    this.conn.close();
  }
}
