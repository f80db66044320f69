// The command operators of Envoy's access-log format (%START_TIME%, %DURATION%, ...) and their table.
// Parts are built once per format string; rendering one reads StreamInfo with no parsing or regex.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { RESPONSE_FLAGS, formatResponseFlags, type StreamInfo } from '../http/stream-info.js';
import { AccessLogConfigError } from './errors.js';
import { TimeFormat, DEFAULT_TIME_PATTERN } from './time-format.js';
import { FormatPart, type PartValue } from './format-part.js';
import { HeaderSource, makeHeaderPart } from './header-operators.js';
import { TLS_SIMPLE_OPERATORS, TLS_TIME_OPERATORS } from './tls-operators.js';

/** A value fixed at config time (HOSTNAME, ENVIRONMENT). */
class ConstantPart extends FormatPart {
  constructor(private readonly constant: string | undefined) {
    super();
  }

  text(): string | undefined {
    return this.constant;
  }
}

/** %START_TIME% and %START_TIME(FORMAT)%: the request start (wall clock), UTC. */
class StartTimePart extends FormatPart {
  constructor(private readonly time: TimeFormat) {
    super();
  }

  text(info: StreamInfo): string {
    return this.time.format(info.startTime);
  }
}

/** %EMIT_TIME%: when the log line is written. */
class EmitTimePart extends FormatPart {
  constructor(private readonly time: TimeFormat) {
    super();
  }

  text(): string {
    return this.time.format(Date.now());
  }
}

// Integer fields: text is the number, JSON is a number.
const U_BYTES_RECEIVED = 0;
const U_BYTES_SENT = 1;
const U_RESPONSE_CODE = 2;
const U_ATTEMPT_COUNT = 3;
const U_CONNECTION_ID = 4;

/** Fields StreamInfo may carry in the future; read when present (see the module's report). */
interface OptionalStreamFields {
  connectionId?: number;
  connectionTerminationDetails?: string;
}

class UintPart extends FormatPart {
  constructor(private readonly field: number) {
    super();
  }

  private number(info: StreamInfo): number {
    switch (this.field) {
      case U_BYTES_RECEIVED: return info.bytesReceived;
      case U_BYTES_SENT: return info.bytesSent;
      case U_RESPONSE_CODE: return info.responseCode;
      case U_ATTEMPT_COUNT: return info.attemptCount;
      case U_CONNECTION_ID: return (info as unknown as OptionalStreamFields).connectionId ?? 0;
    }
    return 0;
  }

  text(info: StreamInfo): string {
    return `${this.number(info)}`;
  }

  override value(info: StreamInfo): number {
    return this.number(info);
  }
}

// Durations in whole milliseconds; unset until the event happens.
const D_DURATION = 0;
const D_REQUEST = 1;
const D_REQUEST_TX = 2;
const D_RESPONSE = 3;
const D_RESPONSE_TX = 4;

class DurationPart extends FormatPart {
  constructor(private readonly field: number) {
    super();
  }

  /** Milliseconds, truncated as Envoy's duration_cast does; -1 when unset. */
  private millis(info: StreamInfo): number {
    let ms: number | undefined;
    switch (this.field) {
      case D_DURATION: ms = info.durationMs ?? info.elapsedMs(); break;
      case D_REQUEST: ms = info.lastDownstreamRxByteMs; break;
      case D_REQUEST_TX: ms = info.lastUpstreamTxByteMs; break;
      case D_RESPONSE: ms = info.firstUpstreamRxByteMs; break;
      case D_RESPONSE_TX:
        if (info.lastDownstreamTxByteMs !== undefined && info.firstUpstreamRxByteMs !== undefined) {
          ms = info.lastDownstreamTxByteMs - info.firstUpstreamRxByteMs;
        }
        break;
    }
    return ms === undefined ? -1 : Math.max(0, Math.trunc(ms));
  }

  text(info: StreamInfo): string | undefined {
    const ms = this.millis(info);
    return ms < 0 ? undefined : `${ms}`;
  }

  override value(info: StreamInfo): number | null {
    const ms = this.millis(info);
    return ms < 0 ? null : ms;
  }
}

/** Envoy's long response flag names, in RESPONSE_FLAGS order. */
const LONG_FLAG_NAMES = [
  'FailedLocalHealthCheck', 'NoHealthyUpstream', 'UpstreamRequestTimeout', 'LocalReset', 'UpstreamRemoteReset',
  'UpstreamConnectionFailure', 'UpstreamConnectionTermination', 'UpstreamOverflow', 'NoRouteFound', 'DelayInjected',
  'FaultInjected', 'RateLimited', 'UnauthorizedExternalService', 'RateLimitServiceError',
  'DownstreamConnectionTermination', 'UpstreamRetryLimitExceeded', 'StreamIdleTimeout', 'InvalidEnvoyRequestHeaders',
  'DownstreamProtocolError', 'UpstreamMaxStreamDurationReached', 'ResponseFromCacheFilter', 'NoFilterConfigFound',
  'DurationTimeout', 'UpstreamProtocolError', 'NoClusterFound', 'OverloadManagerTerminated', 'DnsResolutionFailed',
  'DropOverload', 'DownstreamRemoteReset',
];

/** %RESPONSE_FLAGS_LONG%: long names joined with ',' ('-' when none). */
export function formatResponseFlagsLong(bits: number): string {
  if (bits === 0) return '-';
  let out = '';
  for (let i = 0; i < RESPONSE_FLAGS.length; i++) {
    if (bits & (2 ** i)) out = out === '' ? LONG_FLAG_NAMES[i] : `${out},${LONG_FLAG_NAMES[i]}`;
  }
  return out;
}

/** Replaces whitespace with '_' (Envoy does so for details and failure reasons); no copy when clean. */
function underscoreSpaces(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) return s.replace(/\s/g, '_');
  }
  return s;
}

/** Envoy's sanitizeInvalidHostname for SNI: anything but [A-Za-z0-9.-] becomes '_'. */
function sanitizeHostname(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 46;
    if (!ok) return s.replace(/[^A-Za-z0-9.-]/g, '_');
  }
  return s;
}

// String fields; '' in StreamInfo means unset.
const S_PROTOCOL = 0;
const S_DETAILS = 1;
const S_DETAILS_RAW = 2;
const S_FLAGS = 3;
const S_FLAGS_LONG = 4;
const S_UPSTREAM_CLUSTER = 5;
const S_TRANSPORT_FAILURE = 6;
const S_SNI = 7;
const S_ROUTE = 8;
const S_TERMINATION = 9;

class StringPart extends FormatPart {
  constructor(private readonly field: number) {
    super();
  }

  text(info: StreamInfo): string | undefined {
    let s: string | undefined;
    switch (this.field) {
      case S_PROTOCOL: s = info.protocol; break;
      case S_DETAILS: s = underscoreSpaces(info.responseCodeDetails); break;
      case S_DETAILS_RAW: s = info.responseCodeDetails; break;
      case S_FLAGS: return formatResponseFlags(info.responseFlags);
      case S_FLAGS_LONG: return formatResponseFlagsLong(info.responseFlags);
      case S_UPSTREAM_CLUSTER: s = info.upstreamCluster; break;
      case S_TRANSPORT_FAILURE: s = underscoreSpaces(info.upstreamTransportFailureReason); break;
      case S_SNI: s = sanitizeHostname(info.requestedServerName); break;
      case S_ROUTE: s = info.routeName; break;
      case S_TERMINATION: s = (info as unknown as OptionalStreamFields).connectionTerminationDetails; break;
    }
    return s === '' ? undefined : s;
  }
}

// Address fields (`ip:port`, IPv6 as `[ip]:port`) and how they are printed.
const A_DOWNSTREAM_REMOTE = 0;
const A_DOWNSTREAM_LOCAL = 1;
const A_DOWNSTREAM_DIRECT_REMOTE = 2;
const A_UPSTREAM_LOCAL = 3;
const A_UPSTREAM_HOST = 4;

const WITH_PORT = 0;
const WITHOUT_PORT = 1;
const JUST_PORT = 2;

/** Index of the ':' before the port, or -1 (bare IPv6 addresses and pipe paths have none). */
function portColon(addr: string): number {
  if (addr.startsWith('[')) {
    const close = addr.indexOf(']');
    return close !== -1 && addr.charCodeAt(close + 1) === 58 ? close + 1 : -1;
  }
  const i = addr.lastIndexOf(':');
  return i !== -1 && addr.indexOf(':') === i ? i : -1;
}

/** The address without its port (and without IPv6 brackets), as Envoy's formatDownstreamAddressNoPort. */
export function addressWithoutPort(addr: string): string {
  const i = portColon(addr);
  if (i === -1) return addr;
  return addr.startsWith('[') ? addr.slice(1, i - 1) : addr.slice(0, i);
}

class AddressPart extends FormatPart {
  constructor(private readonly field: number, private readonly mode: number) {
    super();
  }

  private address(info: StreamInfo): string {
    switch (this.field) {
      case A_DOWNSTREAM_REMOTE: return info.downstreamRemoteAddress;
      case A_DOWNSTREAM_LOCAL: return info.downstreamLocalAddress;
      case A_DOWNSTREAM_DIRECT_REMOTE: return info.downstreamDirectRemoteAddress;
      case A_UPSTREAM_LOCAL: return info.upstreamLocalAddress;
      case A_UPSTREAM_HOST: return info.upstreamHost;
    }
    return '';
  }

  text(info: StreamInfo): string | undefined {
    const addr = this.address(info);
    if (addr === '') return undefined;
    if (this.mode === WITH_PORT) return addr;
    if (this.mode === WITHOUT_PORT) return addressWithoutPort(addr);
    const i = portColon(addr);
    return i === -1 ? undefined : addr.slice(i + 1);
  }

  override value(info: StreamInfo): PartValue {
    const t = this.text(info);
    if (t === undefined) return null;
    return this.mode === JUST_PORT ? Number(t) : t;
  }
}

/** %UNIQUE_ID%: a fresh UUID per line. */
class UniqueIdPart extends FormatPart {
  text(): string {
    return randomUUID();
  }
}

// Command syntax flags, as Envoy's CommandSyntaxChecker.
const COMMAND_ONLY = 0;
const PARAMS_REQUIRED = 1;
const PARAMS_OPTIONAL = 2;
const LENGTH_ALLOWED = 4;

interface CommandSpec {
  syntax: number;
  make(sub: string, maxLength: number): FormatPart;
}

function headerCommand(source: HeaderSource): CommandSpec {
  return { syntax: PARAMS_REQUIRED | LENGTH_ALLOWED, make: (sub, maxLength) => makeHeaderPart(source, sub, maxLength) };
}

function simple(make: () => FormatPart): CommandSpec {
  return { syntax: COMMAND_ONLY, make };
}

const COMMANDS = new Map<string, CommandSpec>([
  ['REQ', headerCommand(HeaderSource.Request)],
  ['RESP', headerCommand(HeaderSource.Response)],
  ['TRAILER', headerCommand(HeaderSource.Trailer)],
  ['START_TIME', {
    syntax: PARAMS_OPTIONAL,
    make: (sub) => new StartTimePart(new TimeFormat(sub === '' ? DEFAULT_TIME_PATTERN : sub)),
  }],
  ['EMIT_TIME', {
    syntax: PARAMS_OPTIONAL,
    make: (sub) => new EmitTimePart(new TimeFormat(sub === '' ? DEFAULT_TIME_PATTERN : sub)),
  }],
  ['PROTOCOL', simple(() => new StringPart(S_PROTOCOL))],
  ['RESPONSE_CODE', simple(() => new UintPart(U_RESPONSE_CODE))],
  ['RESPONSE_CODE_DETAILS', {
    syntax: PARAMS_OPTIONAL,
    make: (sub) => new StringPart(sub === 'ALLOW_WHITESPACES' ? S_DETAILS_RAW : S_DETAILS),
  }],
  ['CONNECTION_TERMINATION_DETAILS', simple(() => new StringPart(S_TERMINATION))],
  ['RESPONSE_FLAGS', simple(() => new StringPart(S_FLAGS))],
  ['RESPONSE_FLAGS_LONG', simple(() => new StringPart(S_FLAGS_LONG))],
  ['BYTES_RECEIVED', simple(() => new UintPart(U_BYTES_RECEIVED))],
  ['BYTES_SENT', simple(() => new UintPart(U_BYTES_SENT))],
  ['UPSTREAM_REQUEST_ATTEMPT_COUNT', simple(() => new UintPart(U_ATTEMPT_COUNT))],
  ['CONNECTION_ID', simple(() => new UintPart(U_CONNECTION_ID))],
  ['DURATION', simple(() => new DurationPart(D_DURATION))],
  ['REQUEST_DURATION', simple(() => new DurationPart(D_REQUEST))],
  ['REQUEST_TX_DURATION', simple(() => new DurationPart(D_REQUEST_TX))],
  ['RESPONSE_DURATION', simple(() => new DurationPart(D_RESPONSE))],
  ['RESPONSE_TX_DURATION', simple(() => new DurationPart(D_RESPONSE_TX))],
  ['UPSTREAM_HOST', simple(() => new AddressPart(A_UPSTREAM_HOST, WITH_PORT))],
  // Hosts carry no hostname of their own here, so Envoy's fallback (the address) applies.
  ['UPSTREAM_HOST_NAME', simple(() => new AddressPart(A_UPSTREAM_HOST, WITH_PORT))],
  ['UPSTREAM_HOST_NAME_WITHOUT_PORT', simple(() => new AddressPart(A_UPSTREAM_HOST, WITHOUT_PORT))],
  ['UPSTREAM_REMOTE_ADDRESS', simple(() => new AddressPart(A_UPSTREAM_HOST, WITH_PORT))],
  ['UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT', simple(() => new AddressPart(A_UPSTREAM_HOST, WITHOUT_PORT))],
  ['UPSTREAM_REMOTE_PORT', simple(() => new AddressPart(A_UPSTREAM_HOST, JUST_PORT))],
  ['UPSTREAM_CLUSTER', simple(() => new StringPart(S_UPSTREAM_CLUSTER))],
  ['UPSTREAM_CLUSTER_RAW', simple(() => new StringPart(S_UPSTREAM_CLUSTER))],
  ['UPSTREAM_LOCAL_ADDRESS', simple(() => new AddressPart(A_UPSTREAM_LOCAL, WITH_PORT))],
  ['UPSTREAM_LOCAL_ADDRESS_WITHOUT_PORT', simple(() => new AddressPart(A_UPSTREAM_LOCAL, WITHOUT_PORT))],
  ['UPSTREAM_LOCAL_PORT', simple(() => new AddressPart(A_UPSTREAM_LOCAL, JUST_PORT))],
  ['UPSTREAM_TRANSPORT_FAILURE_REASON', simple(() => new StringPart(S_TRANSPORT_FAILURE))],
  ['DOWNSTREAM_REMOTE_ADDRESS', simple(() => new AddressPart(A_DOWNSTREAM_REMOTE, WITH_PORT))],
  ['DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT', simple(() => new AddressPart(A_DOWNSTREAM_REMOTE, WITHOUT_PORT))],
  ['DOWNSTREAM_REMOTE_PORT', simple(() => new AddressPart(A_DOWNSTREAM_REMOTE, JUST_PORT))],
  ['DOWNSTREAM_LOCAL_ADDRESS', simple(() => new AddressPart(A_DOWNSTREAM_LOCAL, WITH_PORT))],
  ['DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT', simple(() => new AddressPart(A_DOWNSTREAM_LOCAL, WITHOUT_PORT))],
  ['DOWNSTREAM_LOCAL_PORT', simple(() => new AddressPart(A_DOWNSTREAM_LOCAL, JUST_PORT))],
  ['DOWNSTREAM_DIRECT_REMOTE_ADDRESS', simple(() => new AddressPart(A_DOWNSTREAM_DIRECT_REMOTE, WITH_PORT))],
  ['DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT',
    simple(() => new AddressPart(A_DOWNSTREAM_DIRECT_REMOTE, WITHOUT_PORT))],
  ['DOWNSTREAM_DIRECT_REMOTE_PORT', simple(() => new AddressPart(A_DOWNSTREAM_DIRECT_REMOTE, JUST_PORT))],
  ['REQUESTED_SERVER_NAME', simple(() => new StringPart(S_SNI))],
  ['ROUTE_NAME', simple(() => new StringPart(S_ROUTE))],
  ['HOSTNAME', simple(() => new ConstantPart(hostname() || undefined))],
  ['UNIQUE_ID', simple(() => new UniqueIdPart())],
  ['ENVIRONMENT', {
    syntax: PARAMS_REQUIRED | LENGTH_ALLOWED,
    make(sub, maxLength) {
      const v = process.env[sub];
      // Envoy prints '-' (a real string, also in JSON) for a missing variable.
      if (v === undefined) return new ConstantPart('-');
      return new ConstantPart(maxLength >= 0 ? v.slice(0, maxLength) : v);
    },
  }],
]);

for (const [name, make] of TLS_SIMPLE_OPERATORS) COMMANDS.set(name, simple(make));
for (const [name, make] of TLS_TIME_OPERATORS) COMMANDS.set(name, { syntax: PARAMS_OPTIONAL, make });

/** Builds the part for `%COMMAND(sub):maxLength%`; maxLength is -1 when absent. */
export function makeCommandPart(command: string, sub: string | undefined, maxLength: number): FormatPart {
  const spec = COMMANDS.get(command);
  if (spec === undefined) throw new AccessLogConfigError(`Not supported field in StreamInfo: ${command}`);
  // Envoy's CommandSyntaxChecker messages.
  const hasSub = sub !== undefined && sub !== '';
  if (spec.syntax === COMMAND_ONLY && (hasSub || maxLength >= 0)) {
    throw new AccessLogConfigError(`${command} does not take any parameters or length`);
  }
  if ((spec.syntax & PARAMS_REQUIRED) !== 0 && !hasSub) {
    throw new AccessLogConfigError(`${command} requires parameters`);
  }
  if ((spec.syntax & LENGTH_ALLOWED) === 0 && maxLength >= 0) {
    throw new AccessLogConfigError(`${command} does not allow length to be specified.`);
  }
  return spec.make(sub ?? '', maxLength);
}

/** The operator names this build supports (for docs and error hints). */
export function supportedCommands(): string[] {
  return [...COMMANDS.keys()];
}
