// The HTTP half of a simulation: the HCM's route configuration (RDS or inline), then the proxy's own
// compiled route table picks the virtual host and route, so simulation and data plane agree.
import { anyUnpack, type Any } from '@bufbuild/protobuf/wkt';
import type { RouteConfiguration } from '../../xds/gen/envoy/config/route/v3/route_pb.js';
import type { HttpConnectionManager } from '../../xds/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import type { Metadata } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import { registry } from '../../xds/registry.js';
import { HeaderMap, type RequestHead } from '../../proxy/http/headers.js';
import { compileRouteConfig, type RouteTable } from '../../proxy/router/route-table.js';
import type { Call, SimulationResult } from './types.js';

const tables = new WeakMap<RouteConfiguration, RouteTable>();

function tableOf(rc: RouteConfiguration): RouteTable {
  let t = tables.get(rc);
  if (t === undefined) {
    t = compileRouteConfig(rc);
    tables.set(rc, t);
  }
  return t;
}

/** The :authority the HCM sees: the Host header, or for an absolute-form proxy request the URI's host[:port]. */
export function authorityOf(call: Call, address: string): string {
  const host = call.host ?? address;
  if (call.callerIsExplicitProxy !== undefined && !host.includes(':') && call.port !== 80) return `${host}:${call.port}`;
  return host;
}

function requestHead(call: Call, authority: string): RequestHead {
  const headers = new HeaderMap();
  for (const [k, v] of Object.entries(call.headers ?? {})) {
    if (k.toLowerCase() !== 'host') headers.add(k.toLowerCase(), v);
  }
  return {
    method: call.method ?? 'GET', path: call.path ?? '/', authority, scheme: 'http',
    protocol: call.protocol === 'http2' ? 'HTTP/2' : 'HTTP/1.1', headers,
  };
}

/** The `istio` filter metadata's `config` string (the Istio resource a route came from). */
function istioConfig(md: Metadata | undefined): string | undefined {
  const v = md?.filterMetadata['istio']?.['config'];
  return typeof v === 'string' ? v : undefined;
}

/** Unpacks an HCM typed_config (null if it is not one). */
export function unpackHcm(a: Any | undefined): HttpConnectionManager | null {
  if (a === undefined || !a.typeUrl.endsWith('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager')) return null;
  return anyUnpack(a, registry) as HttpConnectionManager | undefined ?? null;
}

/** Routes an HTTP call through an HCM; fills `result` up to the cluster (not checked here). */
export function routeHttp(hcm: HttpConnectionManager, routes: readonly RouteConfiguration[], call: Call, address: string,
  result: SimulationResult): void {
  let rc: RouteConfiguration | undefined;
  const spec = hcm.routeSpecifier;
  if (spec.case === 'routeConfig') {
    rc = spec.value;
  } else if (spec.case === 'rds') {
    result.routeConfig = spec.value.routeConfigName;
    rc = routes.find((r) => r.name === spec.value.routeConfigName);
  }
  if (rc === undefined) {
    result.error = 'NoRouteConfig';
    result.errorDetail = spec.case === 'rds' ? `route configuration "${spec.value.routeConfigName}" not in routes`
      : `HCM route specifier ${spec.case ?? 'unset'} is not supported`;
    return;
  }
  result.routeConfig ??= rc.name;
  const table = tableOf(rc);
  const authority = authorityOf(call, address);
  const vh = table.findVirtualHost(authority);
  if (vh === null) {
    result.error = 'NoVirtualHost';
    result.errorDetail = `no virtual host for authority "${authority}"`;
    return;
  }
  result.virtualHost = vh.name;
  const m = table.route(requestHead(call, authority), call.pickWeighted ?? 0);
  if (m === null) {
    result.error = 'NoRoute';
    return;
  }
  result.route = m.route.name;
  const cfg = istioConfig(m.route.metadata);
  if (cfg !== undefined) result.routeIstioConfig = cfg;
  const a = m.route.action;
  switch (a.kind) {
    case 'route':
      if (a.weightedClusters !== null) {
        result.weightedClusters = a.weightedClusters.clusters.map((c) => ({ name: c.name, weight: c.weight }));
      }
      result.cluster = m.clusterName;
      return;
    case 'redirect':
      if (a.sslRedirect) {
        result.error = 'TLSRedirect';
        return;
      }
      result.redirect = {
        status: a.status,
        ...(a.schemeRedirect !== '' || a.httpsRedirect ? { scheme: a.httpsRedirect ? 'https' : a.schemeRedirect } : {}),
        ...(a.hostRedirect !== '' ? { host: a.hostRedirect } : {}),
        ...(a.portRedirect !== '' ? { port: a.portRedirect.slice(1) } : {}),
        ...(a.pathRedirect !== '' ? { path: a.pathRedirect } : {}),
        ...(a.prefixRewrite !== '' ? { prefixRewrite: a.prefixRewrite } : {}),
      };
      return;
    case 'direct_response':
      result.directResponse = { status: a.status, ...(a.body !== null ? { body: a.body.toString('utf8') } : {}) };
      return;
    case 'non_forwarding':
      return;
  }
}
