// One route's match criteria (RouteMatch), compiled: the path specifier, case sensitivity, header and
// query-parameter matchers, runtime_fraction defaults, gRPC and TLS-context options.
import type { RouteMatch } from '../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import { FractionalPercent_DenominatorType } from '../../xds/gen/envoy/type/v3/percent_pb.js';
import type { RequestHead } from '../http/headers.js';
import { fail } from './errors.js';
import { HeaderMatch, QueryParamMatch } from './header-match.js';
import { asciiLower, compileFullMatch, startsWithIgnoreCase } from './string-match.js';
import type { Re2 } from '../util/re2.js';

/** Which path specifier a route uses (Envoy's field names). */
export type PathMatchKind = 'prefix' | 'path' | 'safe_regex' | 'path_separated_prefix' | 'connect_matcher';

/**
 * Maps the request's random value onto [0, n): a uniform float in [0, 1) (Math.random()) scales,
 * an integer (Envoy's uint64 stream random, or a header value) is taken modulo n, as Envoy does.
 */
export function pickBelow(random: number, n: number): number {
  if (random >= 1 && Number.isInteger(random)) return random % n;
  const v = Math.floor(random * n);
  return v >= 0 && v < n ? v : 0;
}

function denominatorOf(d: FractionalPercent_DenominatorType): number {
  if (d === FractionalPercent_DenominatorType.TEN_THOUSAND) return 10_000;
  if (d === FractionalPercent_DenominatorType.MILLION) return 1_000_000;
  return 100;
}

/** Envoy's Grpc::Common::hasGrpcContentType. */
function isGrpc(head: RequestHead): boolean {
  const ct = head.headers.get('content-type');
  if (ct === undefined || !ct.startsWith('application/grpc')) return false;
  return ct.length === 16 || ct.charCodeAt(16) === 43 /* + */ || ct.charCodeAt(16) === 59 /* ; */;
}

/** A compiled envoy.config.route.v3.RouteMatch. */
export class RouteMatcher {
  readonly kind: PathMatchKind;
  /** The prefix or exact path as configured ('' for regex and CONNECT routes). */
  readonly pattern: string;
  readonly caseSensitive: boolean;
  private readonly lowered: string;
  private readonly regex: Re2 | null = null;
  private readonly headers: HeaderMatch[];
  private readonly queryParams: QueryParamMatch[];
  private readonly runtimeNumerator: number = -1;
  private readonly runtimeDenominator: number = 100;
  private readonly grpc: boolean;
  /** Without downstream client certificates, tls_context can only match `presented/validated: false`. */
  private readonly tlsOk: boolean;

  constructor(m: RouteMatch | undefined, path: string) {
    if (m === undefined) fail(`${path}`, 'match is required');
    this.caseSensitive = m.caseSensitive ?? true;
    const p = m.pathSpecifier;
    let pattern = '';
    switch (p.case) {
      case 'prefix': this.kind = 'prefix'; pattern = p.value; break;
      case 'path': this.kind = 'path'; pattern = p.value; break;
      case 'pathSeparatedPrefix':
        if (p.value.includes('?') || p.value.includes('#') || p.value.endsWith('/')) {
          fail(`${path}.path_separated_prefix`, `value does not match regex pattern "^[^?#]+[^?#/]$"`);
        }
        this.kind = 'path_separated_prefix';
        pattern = p.value;
        break;
      case 'safeRegex':
        this.kind = 'safe_regex';
        this.regex = compileFullMatch(p.value, `${path}.safe_regex`);
        break;
      case 'connectMatcher': this.kind = 'connect_matcher'; break;
      case 'pathMatchPolicy':
        fail(`${path}.path_match_policy`, 'path_match_policy (URI templates) is not supported by Strait');
      default:
        fail(path, 'Invalid route config: one of prefix, path, safe_regex, path_separated_prefix or connect_matcher is required');
    }
    this.pattern = pattern;
    this.lowered = asciiLower(pattern);
    this.headers = m.headers.map((h, i) => new HeaderMatch(h, `${path}.headers[${i}]`));
    this.queryParams = m.queryParameters.map((q, i) => new QueryParamMatch(q, `${path}.query_parameters[${i}]`));
    const rf = m.runtimeFraction?.defaultValue;
    if (m.runtimeFraction !== undefined) {
      // Runtime overrides are not implemented: the default fraction applies.
      this.runtimeNumerator = rf?.numerator ?? 0;
      this.runtimeDenominator = denominatorOf(rf?.denominator ?? FractionalPercent_DenominatorType.HUNDRED);
    }
    this.grpc = m.grpc !== undefined;
    const tls = m.tlsContext;
    this.tlsOk = tls === undefined || (tls.presented !== true && tls.validated !== true);
    if (m.dynamicMetadata.length > 0) fail(`${path}.dynamic_metadata`, 'dynamic_metadata matching is not supported by Strait');
  }

  /** Whether the path (without query, fragment and, if so configured, path parameters) matches. */
  matchesPath(p: string): boolean {
    const want = this.caseSensitive ? this.pattern : this.lowered;
    switch (this.kind) {
      case 'prefix':
        return this.caseSensitive ? p.startsWith(want) : startsWithIgnoreCase(p, want);
      case 'path':
        return p.length === want.length && (this.caseSensitive ? p === want : startsWithIgnoreCase(p, want));
      case 'path_separated_prefix': {
        const n = want.length;
        if (p.length < n || (p.length > n && p.charCodeAt(n) !== 47 /* / */)) return false;
        return this.caseSensitive ? p.startsWith(want) : startsWithIgnoreCase(p, want);
      }
      case 'safe_regex':
        return this.regex!.fullMatch(p);
      default:
        return true;
    }
  }

  /** Everything but the path: CONNECT, runtime fraction, gRPC, headers, query parameters, TLS. */
  matchesRest(head: RequestHead, queryStart: number, random: number): boolean {
    if (this.kind === 'connect_matcher' && head.method !== 'CONNECT' &&
      head.headers.get('upgrade')?.toLowerCase() !== 'connect-udp') return false;
    if (this.runtimeNumerator >= 0 && pickBelow(random, this.runtimeDenominator) >= this.runtimeNumerator) return false;
    if (this.grpc && !isGrpc(head)) return false;
    const hs = this.headers;
    for (let i = 0; i < hs.length; i++) if (!hs[i].matches(head)) return false;
    const qs = this.queryParams;
    for (let i = 0; i < qs.length; i++) if (!qs[i].matches(head.path, queryStart)) return false;
    return this.tlsOk;
  }

  /** How many leading characters of the path a prefix_rewrite replaces (Envoy's "matched path"). */
  matchedLength(pathOnlyLength: number): number {
    return this.kind === 'prefix' || this.kind === 'path' || this.kind === 'path_separated_prefix'
      ? this.pattern.length : pathOnlyLength;
  }
}
