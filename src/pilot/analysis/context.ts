// What the analyzers see: the objects (namespaces already defaulted), typed lookups by kind,
// and Istio's host resolution (a short name is a Service in the object's own namespace).
import type { ConfigObject } from '../config/object.js';
import type { AnalysisMessage } from './message.js';

export const CLUSTER_DOMAIN = 'svc.cluster.local';

/** The objects under analysis. */
export interface AnalysisContext {
  objects: readonly ConfigObject[];
}

/** An analyzer: a name for listing and a function from the context to messages. */
export interface Analyzer {
  name: string;
  description: string;
  analyze(ctx: AnalysisContext): AnalysisMessage[];
}

/** Istio (networking.istio.io) objects of a kind; a Kubernetes Gateway API Gateway is not one. */
export function istioObjects(ctx: AnalysisContext, kind: string): ConfigObject[] {
  return ctx.objects.filter((o) => o.kind === kind && o.apiVersion.startsWith('networking.istio.io/'));
}

export function nsOf(o: ConfigObject): string {
  return o.metadata.namespace ?? 'default';
}

/** `catalog` in ns `x` -> catalog.x.svc.cluster.local; `catalog.y` -> catalog.y.svc.cluster.local; FQDNs unchanged. */
export function resolveHost(host: string, namespace: string): string {
  if (host.includes('*')) return host;
  if (!host.includes('.')) return `${host}.${namespace}.${CLUSTER_DOMAIN}`;
  const parts = host.split('.');
  if (parts.length === 2) return `${host}.${CLUSTER_DOMAIN}`;
  if (parts.length === 3 && parts[2] === 'svc') return `${host}.cluster.local`;
  return host;
}

export function isWildcard(host: string): boolean {
  return host.includes('*');
}

/** Every host the registry knows: Kubernetes Services as FQDNs, ServiceEntry hosts as written. */
export function knownHosts(ctx: AnalysisContext): Set<string> {
  const hosts = new Set<string>();
  for (const o of ctx.objects) {
    if (o.kind === 'Service' && (o.apiVersion === 'v1' || o.apiVersion === '')) {
      hosts.add(`${o.metadata.name}.${nsOf(o)}.${CLUSTER_DOMAIN}`);
    }
  }
  for (const se of istioObjects(ctx, 'ServiceEntry')) {
    const spec = (se.spec ?? {}) as { hosts?: unknown };
    if (Array.isArray(spec.hosts)) for (const h of spec.hosts) if (typeof h === 'string') hosts.add(h);
  }
  return hosts;
}

/** A list field of a spec, or [] when absent or not a list. */
export function listAt(spec: unknown, key: string): unknown[] {
  const v = spec && typeof spec === 'object' ? (spec as Record<string, unknown>)[key] : undefined;
  return Array.isArray(v) ? v : [];
}
