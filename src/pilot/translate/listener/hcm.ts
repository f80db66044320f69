// istiod's buildHTTPConnectionManager for the listener classes Strait generates (sidecar outbound,
// sidecar inbound, gateway, explicit HTTP proxy), limited to the HTTP filters Strait's proxy has.
import { create } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { Http1ProtocolOptionsSchema } from '../../../xds/gen/envoy/config/core/v3/protocol_pb.js';
import type { RouteConfiguration } from '../../../xds/gen/envoy/config/route/v3/route_pb.js';
import { CorsSchema } from '../../../xds/gen/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import { HTTPFaultSchema } from '../../../xds/gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { RouterSchema } from '../../../xds/gen/envoy/extensions/filters/http/router/v3/router_pb.js';
import type { Filter } from '../../../xds/gen/envoy/config/listener/v3/listener_components_pb.js';
import {
  HttpConnectionManager_ForwardClientCertDetails as Fcc, HttpConnectionManager_PathWithEscapedSlashesAction as Escaped,
  HttpConnectionManager_ServerHeaderTransformation as ServerHeader, HttpConnectionManager_SetCurrentClientCertDetailsSchema, HttpConnectionManagerSchema, HttpFilterSchema,
  type HttpConnectionManager, type HttpFilter,
} from '../../../xds/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import type { PushContext } from '../../model/push-context.js';
import type { ProxyScope, TelemetryNamesView } from '../../model/proxy-views.js';
import type { TelemetryMode, TelemetryPlan } from '../../telemetry/effective.js';
import { accessLogs } from './access-log.js';
import { adsConfigSource, HCM_FILTER, typedFilter } from './protos.js';
import { hcmTracing, istioStatsFilter, metadataExchangeFilter } from './telemetry.js';
import { authzHttpFilters, customHttpFilters } from '../../security/authz/builder.js';
import { jwtAuthnHttpFilters, type ClusterLookup } from '../../security/authn/jwt-filter.js';
import { outboundClusterName } from '../names.js';

/** istiod's EnvoyServerName. */
export const ISTIO_SERVER_NAME = 'istio-envoy';

/** Which of istiod's listener classes an HCM is built for. */
export type HcmClass = 'sidecar-outbound' | 'sidecar-inbound' | 'gateway' | 'http-proxy';

/** What varies between HCMs. */
export interface HcmOptions {
  class: HcmClass;
  statPrefix: string;
  /** RDS route configuration name, or an inline route configuration (inbound). */
  route: string | RouteConfiguration;
}

/** Which side of a call a listener class reports in telemetry. */
export const telemetryMode = (c: HcmClass): TelemetryMode => (c === 'sidecar-inbound' ? 'SERVER' : 'CLIENT');

/**
 * Istio's HTTP filter order (metadata exchange, authn/authz, grpc_stats, alpn, fault, cors, stats,
 * router) restricted to the filters Strait implements: metadata exchange, the RBAC filters of
 * `authz` (the JWT and RBAC filters; inbound and gateway HCMs only), fault, cors, stats, router.
 */
export function istioHttpFilters(c: HcmClass, plan: TelemetryPlan, authz: readonly HttpFilter[] = []): HttpFilter[] {
  const mode = telemetryMode(c);
  return [
    ...(plan.metrics !== null ? [metadataExchangeFilter(mode)] : []),
    ...authz,
    create(HttpFilterSchema, { name: 'envoy.filters.http.fault', configType: { case: 'typedConfig', value: anyPack(HTTPFaultSchema, create(HTTPFaultSchema)) } }),
    create(HttpFilterSchema, { name: 'envoy.filters.http.cors', configType: { case: 'typedConfig', value: anyPack(CorsSchema, create(CorsSchema)) } }),
    ...(plan.metrics !== null ? [istioStatsFilter(plan.metrics.overrides, c === 'sidecar-inbound' || c === 'gateway')] : []),
    create(HttpFilterSchema, { name: 'envoy.filters.http.router', configType: { case: 'typedConfig', value: anyPack(RouterSchema, create(RouterSchema)) } }),
  ];
}

/** The cluster of a visible mesh service serving `host:port` (istiod's model.LookupCluster), for remote JWKS. */
const clusterLookup = (push: PushContext, proxy: ProxyScope): ClusterLookup => (host, port) => {
  const svc = push.serviceFor(proxy, host);
  return svc !== undefined && svc.ports.some((p) => p.port === port) ? outboundClusterName(port, '', svc.hostname) : undefined;
};

/** istiod's inbound/gateway security filters: CUSTOM's (ext_authz), the JWT filter of RequestAuthentications, then the RBAC filters. */
function securityHttpFilters(push: PushContext, proxy: ProxyScope): HttpFilter[] {
  return [
    ...customHttpFilters(push, proxy),
    ...jwtAuthnHttpFilters(push.requestAuthenticationsFor(proxy), clusterLookup(push, proxy)),
    ...authzHttpFilters(push, proxy),
  ];
}

/** The HttpConnectionManager message for `proxy`, with the telemetry its Telemetry resources give this class. */
export function buildHcm(opts: HcmOptions, push: PushContext, proxy: TelemetryNamesView): HttpConnectionManager {
  const gateway = opts.class === 'gateway';
  const inbound = opts.class === 'sidecar-inbound';
  const plan = push.telemetryFor(proxy, telemetryMode(opts.class));
  const hcm = create(HttpConnectionManagerSchema, {
    statPrefix: opts.statPrefix,
    routeSpecifier: typeof opts.route === 'string'
      ? { case: 'rds', value: { configSource: adsConfigSource(), routeConfigName: opts.route } }
      : { case: 'routeConfig', value: opts.route },
    httpFilters: istioHttpFilters(opts.class, plan, inbound || gateway ? securityHttpFilters(push, proxy) : []),
    accessLog: accessLogs(plan.accessLogs, push.mesh),
    tracing: plan.tracing !== null ? hcmTracing(plan.tracing, proxy, push.mesh.trustDomain) : undefined,
    // Gateways are the edge: they use the peer address and trust no X-Forwarded-For hop (gateway topology default).
    useRemoteAddress: gateway,
    xffNumTrustedHops: 0,
    upgradeConfigs: [{ upgradeType: 'websocket' }],
    streamIdleTimeout: { seconds: 0n, nanos: 0 },
    normalizePath: true,
    pathWithEscapedSlashesAction: Escaped.KEEP_UNCHANGED,
  });
  if (inbound || gateway) hcm.serverName = ISTIO_SERVER_NAME;
  // Gateway virtual hosts carry bare hosts: istiod strips any port from :authority (ISTIO_GATEWAY_STRIP_HOST_PORT).
  if (gateway) hcm.stripPortMode = { case: 'stripAnyHostPort', value: true };
  // Sidecar outbound keeps the app's Server header (istiod: PASS_THROUGH for outbound sidecar listeners).
  if (opts.class === 'sidecar-outbound' || opts.class === 'http-proxy') hcm.serverHeaderTransformation = ServerHeader.PASS_THROUGH;
  if (inbound) {
    hcm.forwardClientCertDetails = Fcc.APPEND_FORWARD;
    hcm.setCurrentClientCertDetails = create(HttpConnectionManager_SetCurrentClientCertDetailsSchema, { subject: true, dns: true, uri: true });
  } else if (gateway) {
    hcm.forwardClientCertDetails = Fcc.SANITIZE_SET;
    hcm.setCurrentClientCertDetails = create(HttpConnectionManager_SetCurrentClientCertDetailsSchema, { subject: true, dns: true, uri: true });
  }
  // Explicit proxy clients send absolute-form targets (`GET http://host/path`).
  if (opts.class === 'http-proxy') hcm.httpProtocolOptions = create(Http1ProtocolOptionsSchema, { allowAbsoluteUrl: true });
  return hcm;
}

/** The HCM as a network filter. */
export function hcmFilter(opts: HcmOptions, push: PushContext, proxy: TelemetryNamesView): Filter {
  return typedFilter(HCM_FILTER, HttpConnectionManagerSchema, buildHcm(opts, push, proxy));
}
