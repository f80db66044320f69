// `x describe pod` as istioctl prints it: the pod and its ports, each Service that selects it (port,
// protocol, target port), the DestinationRule and VirtualServices for that Service, the proxy's
// inbound RBAC policy names, and the effective PeerAuthentication (mesh > namespace > workload).
import type { Manifest } from '../../mesh/local/workloads.js';
import type { ConfigObject } from '../../pilot/config/object.js';
import type { PeerAuthenticationSpec } from '../../pilot/config/kinds/peer-authentication.js';
import { kubePortProtocol } from '../../pilot/registry/protocol.js';
import { selects } from '../../pilot/registry/workload.js';
import { composePeerAuthentication } from '../../pilot/security/peer-authentication.js';
import { listenersOf } from './config-dump.js';
import { arr, obj, str, type Json } from './json-access.js';

const SEPARATOR = '--------------------\n';
const ROOT_NAMESPACE = 'istio-system';

export interface DescribedPod {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  /** The pod's containers and their ports, as `3000 (catalog)`. */
  ports: { port: number; container: string }[];
}

/** istioctl's kname: `name` in the namespace being described, else `name.namespace`. */
const kname = (o: { name: string; namespace?: string }, ns: string): string => (o.namespace === ns ? o.name : `${o.name}.${o.namespace}`);

/** Whether a DestinationRule/VirtualService host (as written in namespace `from`) names the Service. */
export function hostNamesService(host: string, from: string, svc: Manifest): boolean {
  const name = svc.metadata.name;
  const ns = svc.metadata.namespace ?? 'default';
  const h = host.toLowerCase();
  return h === `${name}.${ns}.svc.cluster.local` || h === `${name}.${ns}.svc` || h === `${name}.${ns}` || (h === name && from === ns);
}

const specOf = (o: Manifest): Json => obj(o.spec);

/** The inbound RBAC policy names in the proxy's config dump (istioctl reads the inbound HCM's RBAC filter). */
export function inboundRbacPolicies(dump: unknown): string[] {
  const names = new Set<string>();
  for (const l of listenersOf(dump)) {
    if (str(l['traffic_direction']) !== 'INBOUND' && str(l['name']) !== 'virtualInbound') continue;
    for (const chain of arr(l['filter_chains']).map(obj)) {
      for (const f of arr(chain['filters']).map(obj)) {
        for (const hf of arr(obj(f['typed_config'])['http_filters']).map(obj)) {
          if (str(hf['name']) !== 'envoy.filters.http.rbac') continue;
          for (const n of Object.keys(obj(obj(obj(hf['typed_config'])['rules'])['policies']))) names.add(n);
        }
      }
    }
  }
  return [...names].sort();
}

function printDestinationRule(dr: Manifest, host: string, pod: DescribedPod, ns: string): { text: string; subsets: { matching: string[]; other: string[] } } {
  const spec = specOf(dr);
  const subsets = arr(spec['subsets']).map(obj);
  const matching = subsets.filter((s) => selects(obj(s['labels']) as Record<string, string>, pod.labels)).map((s) => str(s['name']));
  const other = subsets.map((s) => str(s['name'])).filter((n) => !matching.includes(n));
  let text = `DestinationRule: ${kname(dr.metadata, ns)} for "${host}"\n`;
  if (subsets.length > 0) {
    if (matching.length === 0) text += `  WARNING POD DOES NOT MATCH ANY SUBSETS.  (Non matching subsets ${other.join(',')})\n`;
    text += `   Matching subsets: ${matching.join(',')}\n`;
    if (other.length > 0) text += `      (Non-matching subsets ${other.join(',')})\n`;
  }
  const policy = obj(spec['trafficPolicy']);
  if (Object.keys(policy).length === 0) return { text: `${text}   No Traffic Policy\n`, subsets: { matching, other } };
  const tls = str(obj(policy['tls'])['mode']);
  if (tls) text += `   Traffic Policy TLS Mode: ${tls}\n`;
  const kinds = [['loadBalancer', 'load balancer'], ['connectionPool', 'connection pool'], ['outlierDetection', 'outlier detection']]
    .filter(([k]) => policy[k!] !== undefined).map(([, v]) => v);
  if (kinds.length > 0) text += `   Policies: ${kinds.join('/')}\n`;
  return { text, subsets: { matching, other } };
}

/** The VirtualService's routes that reach this Service (and this pod's subsets), as istioctl summarizes them. */
function printVirtualService(vs: Manifest, svc: Manifest, subsets: { matching: string[]; other: string[] } | undefined, ns: string): string {
  let text = `VirtualService: ${kname(vs.metadata, ns)}\n`;
  const from = vs.metadata.namespace ?? 'default';
  const http = arr(specOf(vs)['http']).map(obj);
  const tcp = arr(specOf(vs)['tcp']).map(obj);
  const mismatches: string[] = [];
  const reaches = (route: Json): boolean => arr(route['route']).map(obj).some((d) => {
    const dest = obj(d['destination']);
    if (!hostNamesService(str(dest['host']), from, svc)) return false;
    const subset = str(dest['subset']);
    if (subset === '' || subsets === undefined || subsets.matching.includes(subset)) return true;
    mismatches.push(`Route to non-matching subset ${subset} for (${arr(route['match']).length > 0 ? 'matched requests' : 'everything'})`);
    return false;
  });
  const matchedHttp = http.filter(reaches).length;
  const matchedTcp = tcp.filter(reaches).length;
  if (matchedHttp + matchedTcp === 0) {
    if (http.length > 0) text += `   WARNING: No destinations match pod subsets (checked ${http.length} HTTP routes)\n`;
    if (tcp.length > 0) text += `   WARNING: No destinations match pod subsets (checked ${tcp.length} TCP routes)\n`;
    return text + mismatches.map((m) => `      ${m}\n`).join('');
  }
  const possible = http.length + tcp.length + arr(specOf(vs)['tls']).length;
  if (matchedHttp + matchedTcp < possible) return `${text}   ${possible - matchedHttp - matchedTcp} additional destination(s) that will not reach this pod\n`;
  if (http.length > 0) text += `   ${http.length} HTTP route(s)\n`;
  if (tcp.length > 0) text += `   ${tcp.length} TCP route(s)\n`;
  return text;
}

/** The whole `x describe pod` text. `objects` are the mesh's applied objects, `rbacPolicies` the proxy's inbound RBAC policies. */
export function describePodText(pod: DescribedPod, objects: readonly Manifest[], rbacPolicies: readonly string[], describeNamespace: string): string {
  const ns = describeNamespace;
  let out = `Pod: ${kname(pod, ns)}\n   Pod Revision: default\n`;
  out += pod.ports.length > 0 ? `   Pod Ports: ${pod.ports.map((p) => `${p.port} (${p.container})`).join(', ')}\n` : '   Pod does not expose ports\n';
  const services = objects.filter((o) => o.kind === 'Service' && o.metadata.namespace === pod.namespace
    && Object.keys(obj(specOf(o)['selector'])).length > 0 && selects(obj(specOf(o)['selector']) as Record<string, string>, pod.labels));
  for (const svc of services) {
    out += `${SEPARATOR}Service: ${kname(svc.metadata, ns)}\n`;
    for (const p of arr(specOf(svc)['ports']).map(obj)) {
      const protocol = str(p['name']) === '' && !p['appProtocol'] ? 'auto-detect'
        : kubePortProtocol(str(p['name']), str(p['protocol']) || undefined, str(p['appProtocol']) || undefined).replace('Unsupported', 'UnsupportedProtocol');
      out += `   Port: ${str(p['name'])} ${String(p['port'])}/${protocol} targets pod port ${String(p['targetPort'] ?? p['port'])}\n`;
    }
    const dr = objects.find((o) => o.kind === 'DestinationRule' && hostNamesService(str(specOf(o)['host']), o.metadata.namespace ?? 'default', svc));
    const printed = dr ? printDestinationRule(dr, str(specOf(dr)['host']), pod, ns) : undefined;
    if (printed) out += printed.text;
    for (const vs of objects.filter((o) => o.kind === 'VirtualService' && arr(specOf(o)['gateways']).every((g) => g === 'mesh')
      && arr(specOf(o)['hosts']).some((h) => hostNamesService(str(h), o.metadata.namespace ?? 'default', svc)))) {
      out += printVirtualService(vs, svc, printed?.subsets, ns);
    }
  }
  if (rbacPolicies.length > 0) out += `RBAC policies: ${rbacPolicies.join(', ')}\n`;
  const pas = objects.filter((o) => o.kind === 'PeerAuthentication' && (o.metadata.namespace === pod.namespace || o.metadata.namespace === ROOT_NAMESPACE)
    && selects(obj(obj(specOf(o)['selector'])['matchLabels']) as Record<string, string>, pod.labels)) as unknown as ConfigObject<PeerAuthenticationSpec>[];
  const merged = composePeerAuthentication(ROOT_NAMESPACE, pas);
  out += `${SEPARATOR}Effective PeerAuthentication:\n   Workload mTLS mode: ${merged.mode}\n`;
  if (merged.perPort.size > 0) out += `   Port Level mTLS mode:\n${[...merged.perPort].map(([port, mode]) => `      ${port}: ${mode}\n`).join('')}`;
  if (pas.length > 0) out += `Applied PeerAuthentication:\n   ${pas.map((c) => `${c.metadata.name}.${c.metadata.namespace}`).join(', ')}\n`;
  return out;
}
