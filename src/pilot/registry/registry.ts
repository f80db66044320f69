// The merged service registry (Kubernetes + ServiceEntry, as istiod's): incremental upsert/remove
// of plain objects, lookups by host and caller namespace, and change events (full vs EDS-only).
// An object that cannot be converted is left out (and reported once), never the rest.
import { type AddressAllocator, LoopbackAllocator } from './address-allocator.js';
import { candidateNames, hostMatches, visibleTo } from './hostname.js';
import { type KubeObject, type WorkloadEntryView, namespaceOf, specOf } from './input.js';
import { convertKubeService, kubeInstances } from './kube-conversion.js';
import type { Service, ServiceInstance } from './model.js';
import { convertServiceEntry, serviceEntryInstances } from './serviceentry-conversion.js';
import { type Workload, deploymentPods, entryWorkload, podWorkload, selects } from './workload.js';

/** What a change did: services whose definition changed (full push) and whose endpoints only changed (EDS). */
export interface RegistryChange {
  /** Hostnames whose Service was added, removed or changed. */
  services: string[];
  /** Hostnames whose Service is unchanged but whose endpoints changed. */
  endpoints: string[];
}

export interface RegistryOptions {
  /** Namespace of objects whose metadata has none (as `kubectl apply -n`); default 'default'. */
  defaultNamespace?: string;
  allocator?: AddressAllocator;
  /** Hears an object that cannot be converted (left out of the registry), once per failure. */
  onObjectError?: (o: KubeObject, err: unknown) => void;
}

const KINDS = new Set(['Service', 'Deployment', 'Pod', 'ServiceAccount', 'Namespace', 'ServiceEntry', 'WorkloadEntry']);
const CLUSTER_SCOPED = new Set(['Namespace']);

interface Entry { service: Service; instances: ServiceInstance[] }

export class ServiceRegistry {
  private readonly objects = new Map<string, KubeObject>();
  private readonly defaultNs: string;
  private readonly alloc: AddressAllocator;
  private entries = new Map<string, Entry>();
  /** services() in order and by hostname, rebuilt with the entries. */
  private sorted: Service[] = [];
  private byHostname = new Map<string, Service[]>();
  private podKeys = new Set<string>();
  private readonly listeners: ((c: RegistryChange) => void)[] = [];
  private readonly onObjectError: (o: KubeObject, err: unknown) => void;
  /** Objects that failed to convert, with the message last reported for each. */
  private failing = new Map<KubeObject, string>();

  constructor(opts: RegistryOptions = {}) {
    this.defaultNs = opts.defaultNamespace ?? 'default';
    this.alloc = opts.allocator ?? new LoopbackAllocator();
    this.onObjectError = opts.onObjectError ?? (() => {});
  }

  /** `convert(o)`, or undefined when it throws (the object is left out and reported once). */
  private converted<T>(o: KubeObject, convert: () => T, failed: Map<KubeObject, string>): T | undefined {
    try {
      return convert();
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (this.failing.get(o) !== msg && failed.get(o) !== msg) this.onObjectError(o, e);
      failed.set(o, msg);
      return undefined;
    }
  }

  /** Whether the registry reads this kind (other objects are ignored by upsert). */
  static handles(o: KubeObject): boolean {
    return KINDS.has(o.kind);
  }

  onChange(cb: (c: RegistryChange) => void): () => void {
    this.listeners.push(cb);
    return () => { const i = this.listeners.indexOf(cb); if (i >= 0) this.listeners.splice(i, 1); };
  }

  upsert(o: KubeObject): RegistryChange {
    if (!ServiceRegistry.handles(o)) return { services: [], endpoints: [] };
    const ns = CLUSTER_SCOPED.has(o.kind) ? '' : namespaceOf(o, this.defaultNs);
    this.objects.set(key(o.kind, ns, o.metadata.name), o);
    return this.rebuild();
  }

  upsertAll(objs: KubeObject[]): RegistryChange {
    for (const o of objs) {
      if (!ServiceRegistry.handles(o)) continue;
      const ns = CLUSTER_SCOPED.has(o.kind) ? '' : namespaceOf(o, this.defaultNs);
      this.objects.set(key(o.kind, ns, o.metadata.name), o);
    }
    return this.rebuild();
  }

  remove(kind: string, ns: string | undefined, name: string): RegistryChange {
    const k = key(kind, CLUSTER_SCOPED.has(kind) ? '' : ns || this.defaultNs, name);
    const o = this.objects.get(k);
    if (!o) return { services: [], endpoints: [] };
    this.objects.delete(k);
    return this.rebuild();
  }

  /** All services, Kubernetes ones first, then by hostname and namespace. */
  services(): Service[] {
    return [...this.sorted];
  }

  /** Services visible to a caller namespace by exportTo. */
  servicesVisibleTo(callerNs: string): Service[] {
    return this.sorted.filter((s) => visibleTo(s, callerNs));
  }

  /** Every service with this exact hostname (one per defining namespace). */
  servicesByHostname(host: string): Service[] {
    return [...(this.byHostname.get(host) ?? [])];
  }

  /**
   * The service a caller in `callerNs` reaches by `name` (short name, `name.ns`, `name.ns.svc`,
   * FQDN, or a host matched by a wildcard ServiceEntry), among services visible to it. A service
   * in the caller's own namespace wins over one exported from elsewhere.
   */
  lookup(name: string, callerNs: string): Service | undefined {
    const visible = this.servicesVisibleTo(callerNs);
    const pick = (list: Service[]): Service | undefined =>
      list.find((s) => s.namespace === callerNs) ?? list[0];
    for (const c of candidateNames(name, callerNs)) {
      const hit = pick(visible.filter((s) => s.hostname === c));
      if (hit) return hit;
    }
    const host = name.toLowerCase();
    const wild = visible.filter((s) => s.hostname.includes('*') && hostMatches(s.hostname, host))
      .sort((a, b) => b.hostname.length - a.hostname.length);
    return pick(wild.filter((s) => s.hostname === wild[0]?.hostname));
  }

  /** Endpoints of a service (of the given namespace, or the first with that hostname). */
  instances(host: string, namespace?: string): ServiceInstance[] {
    const e = this.entryFor(host, namespace);
    return e ? e.instances : [];
  }

  /** Endpoints behind one service port (by number), filtered by subset labels. */
  instancesByPort(host: string, port: number, subsetLabels: Record<string, string> = {}, namespace?: string): ServiceInstance[] {
    return this.instances(host, namespace)
      .filter((i) => i.servicePort === port && selects(subsetLabels, i.labels));
  }

  private entryFor(host: string, namespace?: string): Entry | undefined {
    if (namespace !== undefined) return this.entries.get(`${namespace}/${host}`);
    const s = this.byHostname.get(host)?.[0];
    return s ? this.entries.get(`${s.namespace}/${s.hostname}`) : undefined;
  }

  /** Local-mode pods and Pod objects; addresses of pods that are gone go back to the allocator. */
  private workloads(failed: Map<KubeObject, string>): Workload[] {
    const out: Workload[] = [];
    const pods = new Set<string>();
    for (const o of this.objects.values()) {
      const w = this.converted(o, (): Workload[] => {
        if (o.kind === 'Deployment') return deploymentPods(o, this.defaultNs, this.alloc);
        if (o.kind === 'Pod') return [podWorkload(o, this.defaultNs, this.alloc)];
        if (o.kind === 'WorkloadEntry') {
          return [entryWorkload(specOf<WorkloadEntryView>(o), o.metadata.name, namespaceOf(o, this.defaultNs), o.metadata.labels)];
        }
        return [];
      }, failed);
      if (w !== undefined) out.push(...w);
    }
    for (const w of out) if (w.kind === 'Pod') pods.add(`${w.namespace}/${w.name}`);
    for (const k of this.podKeys) if (!pods.has(k)) this.alloc.release(k);
    this.podKeys = pods;
    return out;
  }

  /** Rebuilds the model from the stored objects and reports the difference from the previous one. */
  private rebuild(): RegistryChange {
    const failed = new Map<KubeObject, string>();
    const workloads = this.workloads(failed);
    const next = new Map<string, Entry>();
    for (const o of this.objects.values()) {
      if (o.kind === 'Service') {
        const entry = this.converted(o, () => {
          const svc = convertKubeService(o, this.defaultNs);
          return { service: svc, instances: kubeInstances(svc, workloads) };
        }, failed);
        if (entry !== undefined) next.set(`${entry.service.namespace}/${entry.service.hostname}`, entry);
      } else if (o.kind === 'ServiceEntry') {
        const entries = this.converted(o, () => convertServiceEntry(o, this.defaultNs)
          .map((svc) => ({ service: svc, instances: serviceEntryInstances(o, svc, workloads) })), failed) ?? [];
        for (const e of entries) {
          const k = `${e.service.namespace}/${e.service.hostname}`;
          if (next.has(k)) continue; // the first definition of a host in a namespace wins
          next.set(k, e);
        }
      }
    }
    this.failing = failed;
    const services = new Set<string>();
    const endpoints = new Set<string>();
    for (const [k, e] of next) {
      const old = this.entries.get(k);
      if (!old || !same(old.service, e.service)) services.add(e.service.hostname);
      else if (!same(old.instances, e.instances)) endpoints.add(e.service.hostname);
    }
    for (const [k, e] of this.entries) if (!next.has(k)) services.add(e.service.hostname);
    for (const h of services) endpoints.delete(h);
    this.entries = next;
    this.sorted = [...next.values()].map((e) => e.service).sort(order);
    this.byHostname = new Map();
    for (const svc of this.sorted) {
      const list = this.byHostname.get(svc.hostname);
      if (list) list.push(svc);
      else this.byHostname.set(svc.hostname, [svc]);
    }
    const change = { services: [...services].sort(), endpoints: [...endpoints].sort() };
    if (change.services.length + change.endpoints.length > 0) for (const l of this.listeners) l(change);
    return change;
  }
}

const key = (kind: string, ns: string, name: string): string => `${kind}/${ns}/${name}`;
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const order = (a: Service, b: Service): number =>
  (a.source === b.source ? 0 : a.source === 'kubernetes' ? -1 : 1)
  || a.hostname.localeCompare(b.hostname) || a.namespace.localeCompare(b.namespace);
