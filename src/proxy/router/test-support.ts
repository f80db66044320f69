// Shared by the route table's tests: route configs from YAML-like JSON (as users write them) and
// request heads. Not used by the proxy itself.
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { RouteConfigurationSchema, type RouteConfiguration } from '../../xds/gen/envoy/config/route/v3/route_pb.js';
import { registry } from '../../xds/registry.js';
import { HeaderMap, type RequestHead } from '../http/headers.js';
import { StreamInfo } from '../http/stream-info.js';
import { compileRouteConfig, type RouteTable } from './route-table.js';

/** A RouteConfiguration parsed from its JSON/YAML form (proto field names). */
export function routeConfig(json: JsonValue): RouteConfiguration {
  return fromJson(RouteConfigurationSchema, json, { registry });
}

/** A compiled table from the JSON/YAML form. */
export function table(json: JsonValue): RouteTable {
  return compileRouteConfig(routeConfig(json));
}

/** A table with one `*` virtual host holding `routes`; `extra` goes on the RouteConfiguration. */
export function oneHost(routes: JsonValue[], extra: Record<string, JsonValue> = {}, vhostExtra: Record<string, JsonValue> = {}): RouteTable {
  return table({ name: 'test', virtual_hosts: [{ name: 'vh', domains: ['*'], routes, ...vhostExtra }], ...extra });
}

/** Options of a test request. */
export interface RequestOptions {
  authority?: string;
  method?: string;
  scheme?: string;
  headers?: Record<string, string | string[]>;
}

/** A request head for `path` (query included), Host `example.com` unless given. */
export function req(path: string, o: RequestOptions = {}): RequestHead {
  const headers = new HeaderMap();
  for (const [k, v] of Object.entries(o.headers ?? {})) {
    for (const one of Array.isArray(v) ? v : [v]) headers.add(k.toLowerCase(), one);
  }
  return {
    method: o.method ?? 'GET', path, authority: o.authority ?? 'example.com', scheme: o.scheme ?? 'http',
    protocol: 'HTTP/1.1', headers,
  };
}

/** A StreamInfo as the connection manager would fill it for a request from 10.1.2.3:5555 to 10.0.0.1:8080. */
export function streamInfo(head?: RequestHead): StreamInfo {
  const info = new StreamInfo('HTTP/1.1');
  info.downstreamRemoteAddress = '10.1.2.3:5555';
  info.downstreamLocalAddress = '10.0.0.1:8080';
  info.requestHead = head;
  return info;
}
