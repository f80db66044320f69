// The PushContext of one push: configs indexed once, the registry's services captured at build
// time, and every per-proxy lookup (visibility, Sidecar scope, DestinationRule choice) memoized.
// An object whose fields the index cannot read is left out and recorded, not the whole push.
import type { ConfigObject } from '../config/object.js';
import type { DestinationRuleSpec } from '../config/kinds/destination-rule.js';
import type { GatewaySpec } from '../config/kinds/gateway.js';
import type { SidecarSpec } from '../config/kinds/sidecar.js';
import type { VirtualServiceSpec } from '../config/kinds/virtual-service.js';
import { hostMatches, resolveShortname, visibleTo } from '../registry/hostname.js';
import type { Service, ServiceInstance } from '../registry/model.js';
import type { ServiceRegistry } from '../registry/registry.js';
import { selects } from '../registry/workload.js';
import { configVisibleTo, egressAllows, egressHosts, indexByKind } from './config-index.js';
import type { MeshConfig } from './mesh-config.js';
import type { ProxyNode } from './proxy.js';
import { labelsKey, type ProxyScope } from './proxy-views.js';
import type { PushContext } from './push-context.js';
import type { TelemetrySpec } from '../config/kinds/telemetry.js';
import { telemetriesFor, telemetryPlan, type TelemetryMode, type TelemetryPlan } from '../telemetry/effective.js';
import { ConfigErrorLog, type ConfigError } from './config-errors.js';
import { requestAuthenticationsFor, type RequestAuthentication } from '../security/authn/request-authentications.js';
import { authorizationPoliciesFor, type AuthorizationPolicies, type AuthorizationPolicy } from '../security/authz/policies.js';
import type { PeerAuthenticationSpec } from '../config/kinds/peer-authentication.js';
import { PeerAuthenticationIndex } from '../security/peer-authentication.js';

export interface PushContextInput {
  version: string;
  mesh: MeshConfig;
  /** Every Istio and Kubernetes config object of the mesh. */
  configs: readonly ConfigObject[];
  registry: ServiceRegistry;
  /** Hears each object the push leaves out, when it happens (to log and count it). */
  onConfigError?: (e: ConfigError) => void;
}

type VS = ConfigObject<VirtualServiceSpec>;
type DR = ConfigObject<DestinationRuleSpec>;
type SC = ConfigObject<SidecarSpec>;
type GW = ConfigObject<GatewaySpec>;

const nsOf = (c: ConfigObject): string => c.metadata.namespace ?? '';

/** A VirtualService's gateways as `ns/name` or `mesh`, relative to its namespace (unset = mesh). */
export function vsGateways(vs: VS): string[] {
  const gws = vs.spec.gateways === undefined || vs.spec.gateways.length === 0 ? ['mesh'] : vs.spec.gateways;
  return gws.map((g) => (g === 'mesh' || g.includes('/') ? g : `${nsOf(vs)}/${g}`));
}

class Context implements PushContext {
  readonly version: string;
  readonly mesh: MeshConfig;
  readonly peerAuthentication: PeerAuthenticationIndex;
  private readonly registry: ServiceRegistry;
  private readonly services: Service[];
  private readonly vss: VS[];
  private readonly drs: DR[];
  private readonly sidecars: SC[];
  private readonly gateways: GW[];
  private readonly telemetries: ConfigObject<TelemetrySpec>[];

  private readonly authorizationPolicies: AuthorizationPolicy[];
  private readonly requestAuthentications: RequestAuthentication[];
  private readonly secrets = new Map<string, Record<string, string>>();
  /** The namespace of the first service of each hostname, and DestinationRules by namespace. */
  private readonly serviceNamespace = new Map<string, string>();
  private readonly drsByNamespace = new Map<string, DR[]>();
  /** VirtualServices by each gateway they bind (`mesh` or `ns/name`), in config order. */
  private readonly vsByGateway = new Map<string, VS[]>();
  /** Service instances by workload (`Pod/ns/name`) and by address, for proxyInstances. */
  private readonly instancesByWorkload = new Map<string, ServiceInstance[]>();
  private readonly instancesByAddress = new Map<string, ServiceInstance[]>();
  private readonly memo = new Map<string, unknown>();
  /** Each view's scope key (see scope()). */
  private readonly scopeKeys = new WeakMap<ProxyScope, string>();
  /** The node id of the proxy being built, for the config errors recorded meanwhile. */
  private building = '';
  private readonly errors: ConfigErrorLog;

  constructor(input: PushContextInput) {
    this.version = input.version;
    this.mesh = input.mesh;
    this.registry = input.registry;
    this.errors = new ConfigErrorLog(input.version, input.onConfigError);
    this.services = input.registry.services();
    const byKind = indexByKind(input.configs);
    // Each kind's objects are admitted by reading what the lookups below read of them.
    this.vss = this.admit(byKind.get('VirtualService') as VS[] | undefined, (vs) => {
      vsGateways(vs);
      (vs.spec.hosts ?? []).map((h) => resolveShortname(h, nsOf(vs)));
      configVisibleTo(vs.spec.exportTo, nsOf(vs), '');
    });
    this.drs = this.admit(byKind.get('DestinationRule') as DR[] | undefined, (d) => {
      resolveShortname(d.spec.host, nsOf(d));
      configVisibleTo(d.spec.exportTo, nsOf(d), '');
      selects(d.spec.workloadSelector?.matchLabels ?? {}, {});
      (d.spec.subsets ?? []).map((s) => s.name);
    });
    this.sidecars = this.admit(byKind.get('Sidecar') as SC[] | undefined, (sc) => {
      egressHosts(sc);
      selects(sc.spec.workloadSelector?.labels ?? {}, {});
    });
    this.gateways = this.admit(byKind.get('Gateway') as GW[] | undefined, (g) => selects(g.spec.selector ?? {}, {}));
    this.telemetries = (byKind.get('Telemetry') ?? []) as ConfigObject<TelemetrySpec>[];
    this.authorizationPolicies = (byKind.get('AuthorizationPolicy') ?? []) as AuthorizationPolicy[];
    this.requestAuthentications = (byKind.get('RequestAuthentication') ?? []) as RequestAuthentication[];
    this.peerAuthentication = new PeerAuthenticationIndex(
      (byKind.get('PeerAuthentication') ?? []) as ConfigObject<PeerAuthenticationSpec>[], input.mesh.rootNamespace);
    for (const svc of this.services) if (!this.serviceNamespace.has(svc.hostname)) this.serviceNamespace.set(svc.hostname, svc.namespace);
    for (const d of this.drs) {
      const list = this.drsByNamespace.get(nsOf(d));
      if (list) list.push(d);
      else this.drsByNamespace.set(nsOf(d), [d]);
    }
    for (const vs of this.vss) {
      for (const g of new Set(vsGateways(vs))) {
        const list = this.vsByGateway.get(g);
        if (list) list.push(vs);
        else this.vsByGateway.set(g, [vs]);
      }
    }
    const add = (m: Map<string, ServiceInstance[]>, k: string, i: ServiceInstance): void => {
      const list = m.get(k);
      if (list) list.push(i);
      else m.set(k, [i]);
    };
    for (const svc of this.services) {
      for (const i of input.registry.instances(svc.hostname, svc.namespace)) {
        if (!i.workload.startsWith('Pod/')) continue;
        add(this.instancesByWorkload, i.workload, i);
        add(this.instancesByAddress, i.address, i);
      }
    }
    this.admit(byKind.get('Secret'), (s) => {
      // The loader keeps a Secret's data under spec; stringData values are plain text.
      const spec = (s.spec ?? {}) as { data?: Record<string, string>; stringData?: Record<string, string> };
      const data: Record<string, string> = { ...spec.data };
      for (const [k, v] of Object.entries(spec.stringData ?? {})) data[k] = Buffer.from(v).toString('base64');
      this.secrets.set(`${nsOf(s)}/${s.metadata.name}`, data);
    });
  }

  /** The objects `probe` reads without throwing; the others are recorded and left out. */
  private admit<T extends ConfigObject>(objects: readonly T[] | undefined, probe: (o: T) => void): T[] {
    return (objects ?? []).filter((o) => {
      try {
        probe(o);
        return true;
      } catch (e) {
        this.errors.record(o, '', e);
        return false;
      }
    });
  }

  reportConfigError(obj: ConfigObject, err: unknown): void {
    this.errors.record(obj, this.building, err);
  }

  buildingFor(proxyId: string): void {
    this.building = proxyId;
  }

  configErrors(): ConfigError[] {
    return this.errors.list();
  }

  private cached<T>(key: string, make: () => T): T {
    if (this.memo.has(key)) return this.memo.get(key) as T;
    const v = make();
    this.memo.set(key, v);
    return v;
  }

  /**
   * The key of everything that decides what a proxy sees: role, namespace, labels (its Sidecar and every
   * selector); made once per view object (translators pass the same view to every lookup of a build).
   */
  private scope(proxy: ProxyScope): string {
    let key = this.scopeKeys.get(proxy);
    if (key === undefined) {
      key = `${proxy.type}/${proxy.namespace}/${labelsKey(proxy.labels)}`;
      this.scopeKeys.set(proxy, key);
    }
    return key;
  }

  /** The key of what decides which services and VirtualServices a proxy sees: role, namespace and its Sidecar. */
  private visibility(proxy: ProxyScope): string {
    const sc = this.sidecarFor(proxy);
    return `${proxy.type}/${proxy.namespace}/${sc ? `${nsOf(sc)}/${sc.metadata.name}` : ''}`;
  }

  telemetryFor(proxy: ProxyScope, mode: TelemetryMode): TelemetryPlan {
    return this.cached(`tel:${this.scope(proxy)}:${mode}`,
      () => telemetryPlan(telemetriesFor(this.telemetries, proxy, this.mesh.rootNamespace), this.mesh, mode));
  }

  authorizationPoliciesFor(proxy: ProxyScope): AuthorizationPolicies {
    return this.cached(`authz:${this.scope(proxy)}`, () => authorizationPoliciesFor(this.authorizationPolicies, proxy, this.mesh.rootNamespace));
  }

  requestAuthenticationsFor(proxy: ProxyScope): RequestAuthentication[] {
    return this.cached(`authn:${this.scope(proxy)}`, () => requestAuthenticationsFor(this.requestAuthentications, proxy, this.mesh.rootNamespace));
  }

  sidecarFor(proxy: ProxyScope): SC | undefined {
    if (proxy.type !== 'sidecar') return undefined;
    return this.cached(`sc:${this.scope(proxy)}`, () => this.findSidecar(proxy));
  }

  private findSidecar(proxy: ProxyScope): SC | undefined {
    const inNs = this.sidecars.filter((s) => nsOf(s) === proxy.namespace);
    return inNs.find((s) => s.spec.workloadSelector?.labels !== undefined && selects(s.spec.workloadSelector.labels, proxy.labels))
      ?? inNs.find((s) => s.spec.workloadSelector === undefined)
      ?? this.sidecars.find((s) => nsOf(s) === this.mesh.rootNamespace && s.spec.workloadSelector === undefined);
  }

  servicesFor(proxy: ProxyScope): Service[] {
    return this.cached(`svc:${this.visibility(proxy)}`, () => {
      const sc = this.sidecarFor(proxy);
      const egress = sc !== undefined && (sc.spec.egress?.length ?? 0) > 0 ? egressHosts(sc) : undefined;
      const seen = new Set<string>();
      const visible = this.services.filter((s) => visibleTo(s, proxy.namespace)
        && (egress === undefined || egressAllows(egress, s.namespace, s.hostname)));
      // One service per hostname: the caller's own namespace first, as istiod's ServiceIndex.
      visible.sort((a, b) => Number(b.namespace === proxy.namespace) - Number(a.namespace === proxy.namespace));
      const out = visible.filter((s) => !seen.has(s.hostname) && seen.add(s.hostname));
      return out.sort((a, b) => a.hostname.localeCompare(b.hostname));
    });
  }

  serviceFor(proxy: ProxyScope, host: string): Service | undefined {
    const fqdn = resolveShortname(host, proxy.namespace);
    const index = this.cached(`svcidx:${this.visibility(proxy)}`, () => new Map(this.servicesFor(proxy).map((s) => [s.hostname, s])));
    return index.get(fqdn) ?? this.registry.lookup(host, proxy.namespace);
  }

  virtualServicesFor(proxy: ProxyScope, gateways: readonly string[]): VS[] {
    return this.cached(`vs:${this.visibility(proxy)}:${gateways.join(',')}`, () => {
      const sc = this.sidecarFor(proxy);
      const egress = sc !== undefined && (sc.spec.egress?.length ?? 0) > 0 ? egressHosts(sc) : undefined;
      const bound = gateways.length === 1 ? this.vsByGateway.get(gateways[0]) ?? []
        : this.vss.filter((vs) => vsGateways(vs).some((g) => gateways.includes(g)));
      return bound.filter((vs) => configVisibleTo(vs.spec.exportTo, nsOf(vs), proxy.namespace)
        && (egress === undefined || (vs.spec.hosts ?? []).some((h) => egressAllows(egress, nsOf(vs), resolveShortname(h, nsOf(vs))))));
    });
  }

  virtualService(namespace: string, name: string): VS | undefined {
    return this.vss.find((v) => nsOf(v) === namespace && v.metadata.name === name);
  }

  destinationRuleFor(proxy: ProxyScope, fqdn: string): DR | undefined {
    return this.cached(`dr:${this.scope(proxy)}:${fqdn}`, () => {
      const svcNs = this.serviceNamespace.get(fqdn);
      const applies = (d: DR): boolean => {
        const sel = d.spec.workloadSelector?.matchLabels;
        return sel === undefined || (nsOf(d) === proxy.namespace && selects(sel, proxy.labels));
      };
      const tier = (ns: string | undefined): DR | undefined => {
        if (ns === undefined) return undefined;
        const matching = (this.drsByNamespace.get(ns) ?? []).filter((d) => applies(d)
          && configVisibleTo(d.spec.exportTo, ns, proxy.namespace)
          && hostMatches(resolveShortname(d.spec.host, ns), fqdn));
        return mergeDestinationRules(matching, fqdn, ns);
      };
      return tier(proxy.namespace) ?? tier(svcNs) ?? tier(this.mesh.rootNamespace);
    });
  }

  gatewaysFor(proxy: ProxyScope): GW[] {
    if (proxy.type !== 'router') return [];
    return this.gateways.filter((g) => selects(g.spec.selector ?? {}, proxy.labels));
  }

  instancesByPort(fqdn: string, port: number, subsetLabels: Record<string, string> = {}): ServiceInstance[] {
    return this.registry.instancesByPort(fqdn, port, subsetLabels);
  }

  proxyInstances(proxy: Pick<ProxyNode, 'namespace' | 'workloadName' | 'ipAddresses'>): ServiceInstance[] {
    return this.cached(`in:${proxy.namespace}/${proxy.workloadName}/${proxy.ipAddresses.join(',')}`, () => {
      const out = new Set(this.instancesByWorkload.get(`Pod/${proxy.namespace}/${proxy.workloadName}`) ?? []);
      for (const ip of proxy.ipAddresses) for (const i of this.instancesByAddress.get(ip) ?? []) out.add(i);
      return [...out];
    });
  }

  secret(namespace: string, name: string): Record<string, string> | undefined {
    return this.secrets.get(`${namespace}/${name}`);
  }
}

/**
 * Several DestinationRules for one host in one namespace merge as istiod merges them: the most
 * specific host wins; the first rule's traffic policy is kept and later rules add subsets whose names are new.
 */
function mergeDestinationRules(rules: DR[], fqdn: string, ns: string): DR | undefined {
  if (rules.length === 0) return undefined;
  const exact = rules.filter((d) => resolveShortname(d.spec.host, ns) === fqdn);
  const chosen = exact.length > 0 ? exact : rules.filter((d) => d.spec.host === rules.map((r) => r.spec.host).sort((a, b) => b.length - a.length)[0]);
  if (chosen.length === 1) return chosen[0];
  const [first, ...rest] = chosen;
  const subsets = [...(first.spec.subsets ?? [])];
  for (const r of rest) for (const s of r.spec.subsets ?? []) if (!subsets.some((x) => x.name === s.name)) subsets.push(s);
  const trafficPolicy = first.spec.trafficPolicy ?? rest.find((r) => r.spec.trafficPolicy !== undefined)?.spec.trafficPolicy;
  return { ...first, spec: { ...first.spec, subsets, trafficPolicy } };
}

/** Builds the push context of one full push. */
export function buildPushContext(input: PushContextInput): PushContext {
  return new Context(input);
}
