// Envoy's checks that go beyond the schema: unique listener/cluster names, unique virtual host
// domains, routes naming defined clusters, implemented extensions and terminal filters.
import { anyUnpack, type Any } from '@bufbuild/protobuf/wkt';
import type { Bootstrap } from '../../xds/gen/envoy/config/bootstrap/v3/bootstrap_pb.js';
import type { AccessLog } from '../../xds/gen/envoy/config/accesslog/v3/accesslog_pb.js';
import type { TransportSocket } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import type { Address } from '../../xds/gen/envoy/config/core/v3/address_pb.js';
import type { Filter, FilterChain } from '../../xds/gen/envoy/config/listener/v3/listener_components_pb.js';
import type { Listener } from '../../xds/gen/envoy/config/listener/v3/listener_pb.js';
import type { RouteConfiguration } from '../../xds/gen/envoy/config/route/v3/route_pb.js';
import type { Route } from '../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import {
  HttpConnectionManagerSchema, type HttpConnectionManager,
} from '../../xds/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { missingExtensionMessage, type PathError, type PathSeg } from './config-error.js';
import { checkRouteFilterConfig } from './route-config-checks.js';
import { checkTracingProvider } from '../tracing/config-checks.js';
import { typedConfigType } from '../filters/typed-config.js';
import {
  findExtension, typeNameOf, type ExtensionCategory, type ExtensionInfo,
} from './extensions.js';

/** Something configured by `name` + an optional `typed_config` (filters, loggers, sockets). */
interface Configured {
  name: string;
  configType: { case: string | undefined; value?: unknown };
}

/** An address as Envoy prints it: `1.2.3.4:80`, `[::1]:80`, or a pipe path. */
function addressText(a: Address | undefined): string {
  if (a?.address.case === 'socketAddress') {
    const sa = a.address.value;
    const host = sa.address.includes(':') ? `[${sa.address}]` : sa.address;
    return `${host}:${sa.portSpecifier.value ?? 0}`;
  }
  if (a?.address.case === 'pipe') return a.address.value.path;
  return '';
}

/** Runs the semantic checks on a schema-valid bootstrap. */
export function checkSemantics(b: Bootstrap): PathError[] {
  return new SemanticChecker().run(b);
}

/**
 * The checks of one listener from xDS (LDS): extensions, terminal filters, and inline route tables
 * against the clusters the proxy has now (`clusterNames`). Paths are relative to the listener. Per-route
 * filter configs are left to the listener's build (their one compile; its error is the NACK).
 */
export function checkListenerSemantics(l: Listener, clusterNames: Iterable<string>): PathError[] {
  return new SemanticChecker(clusterNames, false).listener(l, []);
}

/**
 * The checks of one route table from xDS (RDS): unique domains and, when validate_clusters is set (its
 * default is false for RDS, as Envoy's), known clusters. Per-filter configs are compiled by the table's build.
 */
export function checkRouteConfigSemantics(rc: RouteConfiguration, clusterNames: Iterable<string>): PathError[] {
  return new SemanticChecker(clusterNames, false).routeConfig(rc, [], false);
}

/** `unpack()`, or undefined when the Any's bytes do not decode (the schema checks report those, with their path). */
function decodable<T>(unpack: () => T): T | undefined {
  try {
    return unpack();
  } catch {
    return undefined;
  }
}

class SemanticChecker {
  private readonly errors: PathError[] = [];
  private readonly clusterNames: Set<string>;

  /** @param compilePerRoute check typed_per_filter_config entries (a bootstrap's; not an RDS table's). */
  constructor(clusterNames: Iterable<string> = [], private readonly compilePerRoute = true) {
    this.clusterNames = new Set(clusterNames);
  }

  run(b: Bootstrap): PathError[] {
    const sr = b.staticResources;
    const base: PathSeg[] = ['static_resources'];
    sr?.clusters.forEach((c, i) => {
      const p = [...base, 'clusters', i];
      if (this.clusterNames.has(c.name)) this.err([...p, 'name'], `cluster manager: duplicate cluster '${c.name}'`);
      this.clusterNames.add(c.name);
      if (c.transportSocket) this.transportSocket(c.transportSocket, [...p, 'transport_socket']);
      c.transportSocketMatches.forEach((m, j) => {
        if (m.transportSocket) this.transportSocket(m.transportSocket, [...p, 'transport_socket_matches', j, 'transport_socket']);
      });
    });
    const listenerNames = new Set<string>();
    sr?.listeners.forEach((l, i) => {
      const p = [...base, 'listeners', i];
      if (l.name !== '' && listenerNames.has(l.name)) this.err([...p, 'name'], `duplicate listener ${l.name} found`);
      listenerNames.add(l.name);
      this.listener(l, p);
    });
    b.admin?.accessLog.forEach((a, j) => this.accessLog(a, ['admin', 'access_log', j]));
    // With CDS the collector cluster may come later: Envoy checks it when an HCM first uses the provider.
    const known = b.dynamicResources?.cdsConfig === undefined ? this.clusterNames : null;
    if (b.tracing?.http) this.errors.push(...checkTracingProvider(b.tracing.http, ['tracing', 'http'], known));
    return this.errors;
  }

  /** One listener's checks (everything but duplicate names). */
  listener(l: Listener, p: PathSeg[]): PathError[] {
    if (l.filterChains.length === 0 && !l.defaultFilterChain && !l.apiListener) {
      this.err([...p, 'filter_chains'], `error adding listener '${addressText(l.address)}': no filter chains specified`);
    }
    l.listenerFilters.forEach((f, j) => this.extension('listener filter', f, [...p, 'listener_filters', j]));
    l.filterChains.forEach((fc, j) => this.filterChain(fc, [...p, 'filter_chains', j]));
    if (l.defaultFilterChain) this.filterChain(l.defaultFilterChain, [...p, 'default_filter_chain']);
    l.accessLog.forEach((a, j) => this.accessLog(a, [...p, 'access_log', j]));
    return this.errors;
  }

  private err(path: PathSeg[], message: string): void {
    this.errors.push({ path, message });
  }

  /** Resolves an extension, reporting Envoy's error when Strait has no implementation. */
  private extension(category: ExtensionCategory, c: Configured, path: PathSeg[], optional = false): ExtensionInfo | undefined {
    if (c.configType.case !== undefined && c.configType.case !== 'typedConfig') {
      this.err([...path, 'config_discovery'], `${category} '${c.name}': extension config discovery is not supported by Strait`);
      return undefined;
    }
    const any = c.configType.case === 'typedConfig' ? (c.configType.value as Any) : undefined;
    let typeName = any ? typeNameOf(any.typeUrl) : undefined;
    try {
      if (any) typeName = typedConfigType(any);
    } catch {
      // A TypedStruct that does not unpack: reported under its own type name.
    }
    const ext = findExtension(category, c.name, typeName);
    if (!ext && !optional) {
      this.err(any ? [...path, 'typed_config', { key: '@type' }] : [...path, 'name'], missingExtensionMessage(c.name, typeName));
    }
    return ext;
  }

  private transportSocket(ts: TransportSocket, path: PathSeg[]): void {
    this.extension('transport socket', ts, path);
  }

  private accessLog(a: AccessLog, path: PathSeg[]): void {
    this.extension('access logger', a, path);
  }

  private filterChain(fc: FilterChain, path: PathSeg[]): void {
    if (fc.transportSocket) this.transportSocket(fc.transportSocket, [...path, 'transport_socket']);
    fc.filters.forEach((f, k) => {
      const fpath = [...path, 'filters', k];
      const ext = this.extension('network filter', f, fpath);
      if (!ext) return;
      if (ext.terminal && k !== fc.filters.length - 1) {
        this.err(fpath, `Error: terminal filter named ${f.name} of type ${ext.name} must be the last filter in a network filter chain.`);
      } else if (!ext.terminal && k === fc.filters.length - 1) {
        this.err(fpath, `Error: non-terminal filter named ${f.name} of type ${ext.name} is the last filter in a network filter chain.`);
      }
      if (ext.typeName === HttpConnectionManagerSchema.typeName) this.hcm(f, [...fpath, 'typed_config']);
    });
  }

  private hcm(f: Filter, path: PathSeg[]): void {
    const any = f.configType.case === 'typedConfig' ? f.configType.value : undefined;
    const hcm = any ? decodable(() => anyUnpack(any, HttpConnectionManagerSchema)) : undefined;
    if (!hcm) return;
    this.httpFilters(hcm, path);
    hcm.accessLog.forEach((a, j) => this.accessLog(a, [...path, 'access_log', j]));
    if (hcm.tracing?.provider) {
      this.errors.push(...checkTracingProvider(hcm.tracing.provider, [...path, 'tracing', 'provider'], this.clusterNames));
    }
    if (hcm.routeSpecifier.case === 'routeConfig') {
      this.routeConfig(hcm.routeSpecifier.value, [...path, 'route_config']);
    }
  }

  private httpFilters(hcm: HttpConnectionManager, path: PathSeg[]): void {
    const filters = hcm.httpFilters;
    if (filters.length === 0) {
      this.err([...path, 'http_filters'], 'Error: the http filter chain is empty: it must end with the router filter envoy.filters.http.router.');
      return;
    }
    filters.forEach((hf, i) => {
      const p = [...path, 'http_filters', i];
      if (hf.disabled) return;
      const ext = this.extension('http filter', hf, p, hf.isOptional);
      if (!ext) return;
      const last = i === filters.length - 1;
      if (ext.terminal && !last) {
        this.err(p, `Error: terminal filter named ${hf.name} of type ${ext.name} must be the last filter in a http filter chain.`);
      } else if (!ext.terminal && last) {
        this.err(p, `Error: non-terminal filter named ${hf.name} of type ${ext.name} is the last filter in a http filter chain.`);
      }
    });
  }

  /** A static route table: unique domains, per-filter configs, and (by default) known clusters. */
  routeConfig(rc: RouteConfiguration, path: PathSeg[], validateByDefault = true): PathError[] {
    const validate = rc.validateClusters ?? validateByDefault;
    this.perFilterConfigs(rc.typedPerFilterConfig, [...path, 'typed_per_filter_config']);
    let wildcard = false;
    const exact = new Set<string>();
    const suffixes = new Set<string>();
    const prefixes = new Set<string>();
    rc.virtualHosts.forEach((vh, v) => {
      const vpath = [...path, 'virtual_hosts', v];
      vh.domains.forEach((d, k) => {
        const domain = d.toLowerCase();
        if (domain === '*') {
          if (wildcard) this.err([...vpath, 'domains', k], `Only a single wildcard domain is permitted in route ${rc.name}`);
          wildcard = true;
          return;
        }
        const set = domain.startsWith('*') ? suffixes : domain.endsWith('*') ? prefixes : exact;
        const dup = set.has(domain);
        set.add(domain);
        if (dup) {
          this.err([...vpath, 'domains', k],
            `Only unique values for domains are permitted. Duplicate entry of domain ${domain} in route ${rc.name}`);
        }
      });
      this.perFilterConfigs(vh.typedPerFilterConfig, [...vpath, 'typed_per_filter_config']);
      vh.routes.forEach((r, i) => this.route(r, [...vpath, 'routes', i], validate));
    });
    return this.errors;
  }

  private route(r: Route, path: PathSeg[], validate: boolean): void {
    this.perFilterConfigs(r.typedPerFilterConfig, [...path, 'typed_per_filter_config']);
    if (r.action.case !== 'route') return;
    const ra = r.action.value;
    const apath = [...path, 'route'];
    const cs = ra.clusterSpecifier;
    if (cs.case === 'weightedClusters') {
      cs.value.clusters.forEach((cw, i) => {
        const cpath = [...apath, 'weighted_clusters', 'clusters', i];
        this.perFilterConfigs(cw.typedPerFilterConfig, [...cpath, 'typed_per_filter_config']);
        if (validate && cw.name !== '' && !this.clusterNames.has(cw.name)) {
          this.err([...cpath, 'name'], `route: unknown weighted cluster '${cw.name}'`);
        }
      });
    } else if (cs.case === 'cluster' && validate && !this.clusterNames.has(cs.value)) {
      this.err([...apath, 'cluster'], `route: unknown cluster '${cs.value}'`);
    }
    if (!validate) return;
    ra.requestMirrorPolicies.forEach((m, i) => {
      if (m.cluster !== '' && !this.clusterNames.has(m.cluster)) {
        this.err([...apath, 'request_mirror_policies', i, 'cluster'], `route: unknown shadow cluster '${m.cluster}'`);
      }
    });
  }

  /**
   * A bootstrap's typed_per_filter_config entries, compiled as its route tables will be, so each error
   * gets its place in the file. RDS tables skip this: building the table is their one compile, and its
   * error is the NACK.
   */
  private perFilterConfigs(map: { [name: string]: Any }, path: PathSeg[]): void {
    if (!this.compilePerRoute) return;
    for (const [name, any] of Object.entries(map)) checkRouteFilterConfig(name, any, path, this.errors);
  }
}
