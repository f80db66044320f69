// Host names as Istio resolves them: short names relative to a caller's namespace, wildcard
// matching of ServiceEntry hosts, and exportTo visibility.
import { DOMAIN_SUFFIX } from './kube-conversion.js';
import type { Service } from './model.js';

/**
 * Istio config semantics (ResolveShortnameToFQDN): a name without dots becomes
 * `<name>.<ns>.svc.cluster.local`; `*`, IPs and dotted names are kept.
 */
export function resolveShortname(host: string, ns: string): string {
  if (host === '*' || host.includes('.') || host.includes(':')) return host;
  return `${host}.${ns}.svc.${DOMAIN_SUFFIX}`;
}

/**
 * The candidate FQDNs a caller in `ns` means by `name`, most specific first, as the sidecar's
 * virtual host domains and the cluster's DNS search path give them: `catalog`,
 * `catalog.istioinaction`, `catalog.istioinaction.svc`, or the FQDN itself.
 */
export function candidateNames(name: string, ns: string): string[] {
  const n = name.toLowerCase().replace(/\.$/, '');
  const out: string[] = [];
  const dots = n.split('.').length - 1;
  if (dots === 0 && n !== '*') out.push(`${n}.${ns}.svc.${DOMAIN_SUFFIX}`);
  if (dots === 1) out.push(`${n}.svc.${DOMAIN_SUFFIX}`);
  if (n.endsWith('.svc')) out.push(`${n}.${DOMAIN_SUFFIX}`);
  out.push(n);
  return out;
}

/** Istio's host matching: `*` matches all, `*.example.com` any name ending `.example.com`. */
export function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) {
    const suffix = pattern.slice(1);
    return host.endsWith(suffix) && host.length > suffix.length;
  }
  return pattern === host;
}

/** exportTo: '*' all namespaces, '~' none, otherwise the listed namespaces (with '.' already resolved). */
export function visibleTo(svc: Service, callerNs: string): boolean {
  if (svc.exportTo.includes('~')) return false;
  return svc.exportTo.includes('*') || svc.exportTo.includes(callerNs);
}
