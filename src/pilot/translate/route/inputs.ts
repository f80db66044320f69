// The VirtualService HTTP API as its JSON shape (istio.io networking/v1 field names), just what the
// route builder reads; the config model's types have the same shape.

/** StringMatch: exactly one of exact, prefix, regex. */
export interface IstioStringMatch {
  exact?: string;
  prefix?: string;
  regex?: string;
}

export interface HTTPMatchRequest {
  name?: string;
  uri?: IstioStringMatch;
  scheme?: IstioStringMatch;
  method?: IstioStringMatch;
  authority?: IstioStringMatch;
  headers?: Record<string, IstioStringMatch>;
  withoutHeaders?: Record<string, IstioStringMatch>;
  queryParams?: Record<string, IstioStringMatch>;
  port?: number;
  ignoreUriCase?: boolean;
  sourceLabels?: Record<string, string>;
  sourceNamespace?: string;
  gateways?: string[];
}

export interface Destination {
  host: string;
  subset?: string;
  port?: { number?: number };
}

export interface HeaderOperations {
  set?: Record<string, string>;
  add?: Record<string, string>;
  remove?: string[];
}

export interface Headers {
  request?: HeaderOperations;
  response?: HeaderOperations;
}

export interface HTTPRouteDestination {
  destination: Destination;
  weight?: number;
  headers?: Headers;
}

export interface HTTPRetry {
  attempts?: number;
  perTryTimeout?: string;
  retryOn?: string;
  retryRemoteLocalities?: boolean;
}

export interface Percent {
  value?: number;
}

export interface HTTPFaultInjection {
  delay?: { fixedDelay?: string; percentage?: Percent; percent?: number };
  abort?: { httpStatus?: number; grpcStatus?: string; percentage?: Percent };
}

export interface CorsPolicy {
  allowOrigins?: IstioStringMatch[];
  allowOrigin?: string[];
  allowMethods?: string[];
  allowHeaders?: string[];
  exposeHeaders?: string[];
  maxAge?: string;
  allowCredentials?: boolean;
}

export interface HTTPRoute {
  name?: string;
  match?: HTTPMatchRequest[];
  route?: HTTPRouteDestination[];
  redirect?: { uri?: string; authority?: string; port?: number; scheme?: string; redirectCode?: number };
  directResponse?: { status: number; body?: { string?: string; bytes?: string } };
  rewrite?: { uri?: string; authority?: string; uriRegexRewrite?: { match: string; rewrite: string } };
  timeout?: string;
  retries?: HTTPRetry;
  fault?: HTTPFaultInjection;
  mirror?: Destination;
  mirrorPercentage?: Percent;
  mirrors?: { destination: Destination; percentage?: Percent }[];
  corsPolicy?: CorsPolicy;
  headers?: Headers;
}

/** Names the cluster of a destination (outbound|port|subset|fqdn), resolving short hosts and default ports. */
export type ClusterResolver = (d: Destination) => string;
