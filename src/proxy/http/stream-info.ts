// Per-request facts gathered while a stream runs: timings, flags, bytes, upstream host.
// Access logs, stats and tracing read it; the connection manager and router fill it in.
import type { RequestHead, ResponseHead, HeaderMap } from './headers.js';
import type { SslConnectionInfo } from '../tls/ssl-connection-info.js';

/** Envoy's response flags, in the order they are printed (comma-joined). */
export const RESPONSE_FLAGS = [
  'LH', 'UH', 'UT', 'LR', 'UR', 'UF', 'UC', 'UO', 'NR', 'DI', 'FI', 'RL', 'UAEX', 'RLSE', 'DC', 'URX', 'SI', 'IH',
  'DPE', 'UMSDR', 'RFCF', 'NFCF', 'DT', 'UPE', 'NC', 'OM', 'DF', 'DO', 'DR',
] as const;
export type ResponseFlag = (typeof RESPONSE_FLAGS)[number];

/** Bit for each response flag (index in RESPONSE_FLAGS). */
export const FLAG_BIT: Record<ResponseFlag, number> = Object.fromEntries(
  RESPONSE_FLAGS.map((f, i) => [f, 2 ** i])) as Record<ResponseFlag, number>;

/** Formats a flag bitset as Envoy prints %RESPONSE_FLAGS% ("-" when none). */
export function formatResponseFlags(bits: number): string {
  if (bits === 0) return '-';
  let out = '';
  for (let i = 0; i < RESPONSE_FLAGS.length; i++) {
    if (bits & (2 ** i)) out = out === '' ? RESPONSE_FLAGS[i] : `${out},${RESPONSE_FLAGS[i]}`;
  }
  return out;
}

/** filter_metadata: namespace -> a Struct's fields (JSON values: null, numbers, strings, booleans, lists, objects). */
export type DynamicMetadata = Record<string, Record<string, unknown>>;

/** What is known about one request/response exchange. */
export class StreamInfo {
  /** Wall-clock start (ms since epoch) and monotonic start (performance.now()). */
  readonly startTime = Date.now();
  readonly startMono = performance.now();
  /** Monotonic ms offsets from start; undefined until they happen. */
  lastDownstreamRxByteMs?: number;
  firstUpstreamTxByteMs?: number;
  lastUpstreamTxByteMs?: number;
  firstUpstreamRxByteMs?: number;
  lastUpstreamRxByteMs?: number;
  firstDownstreamTxByteMs?: number;
  lastDownstreamTxByteMs?: number;
  /** Total duration in ms, set when the stream completes. */
  durationMs?: number;

  requestHead?: RequestHead;
  responseHead?: ResponseHead;
  responseTrailers?: HeaderMap;
  responseCode = 0;
  /** Why the response is what it is (Envoy's %RESPONSE_CODE_DETAILS%), e.g. "via_upstream", "route_not_found". */
  responseCodeDetails = '';
  /** Why a filter closed the connection (%CONNECTION_TERMINATION_DETAILS%), e.g. the network RBAC filter's refusal. */
  connectionTerminationDetails?: string;
  responseFlags = 0;
  bytesReceived = 0;
  bytesSent = 0;
  /** Upstream cluster name and host `ip:port`, once chosen. */
  upstreamCluster = '';
  upstreamHost = '';
  upstreamLocalAddress = '';
  upstreamTransportFailureReason = '';
  routeName = '';
  /** Downstream addresses as `ip:port`. */
  downstreamRemoteAddress = '';
  downstreamLocalAddress = '';
  /**
   * The local address is the connection's original destination (Envoy's localAddressRestored, set by
   * the original_dst listener filter or use_original_dst); Strait has neither yet, so it stays false.
   */
  localAddressRestored = false;
  /** The address from x-forwarded-for when trusted, else the peer. */
  downstreamDirectRemoteAddress = '';
  requestedServerName = '';
  /** The downstream connection's TLS facts (peer certificate, URI SANs); undefined for plaintext. */
  downstreamSsl?: SslConnectionInfo;
  /** The upstream connection's TLS facts (the server's certificate); undefined for plaintext or before one. */
  upstreamSsl?: SslConnectionInfo;
  attemptCount = 0;
  /** Facts filters share for one stream (Envoy's filter state), by key, e.g. the discovered peers. */
  readonly filterState = new Map<string, unknown>();
  /** Envoy's dynamic metadata: per filter namespace, a Struct's fields as JSON values. */
  readonly dynamicMetadata: DynamicMetadata = {};

  constructor(readonly protocol: string) {}

  /** Merges `fields` into the namespace's metadata (a Struct merge: later fields replace earlier ones). */
  setDynamicMetadata(namespace: string, fields: Record<string, unknown>): void {
    Object.assign(this.dynamicMetadata[namespace] ??= {}, fields);
  }

  setFlag(flag: ResponseFlag): void {
    this.responseFlags |= FLAG_BIT[flag];
  }

  hasFlag(flag: ResponseFlag): boolean {
    return (this.responseFlags & FLAG_BIT[flag]) !== 0;
  }

  /** Monotonic ms since the stream started. */
  elapsedMs(): number {
    return performance.now() - this.startMono;
  }
}
