// Istio's hostname matching (host.Name Matches / SubsetOf): exact names and `*.suffix` wildcards, and
// the gateway server host forms `ns/host` (`*/`, `./` relative to the gateway namespace).

/** host.Name.Matches: both names could match a common request host. */
export function hostsMatch(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x === y || x === '*' || y === '*') return true;
  const xw = x.startsWith('*');
  const yw = y.startsWith('*');
  if (xw && yw) return x.length > y.length ? x.endsWith(y.slice(1)) : y.endsWith(x.slice(1));
  if (xw) return y.endsWith(x.slice(1));
  if (yw) return x.endsWith(y.slice(1));
  return false;
}

/** host.Name.SubsetOf: every host matching `a` also matches `b`. */
export function hostSubsetOf(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x === y || y === '*') return true;
  if (!y.startsWith('*')) return false;
  return x.endsWith(y.slice(1)) && x.length > y.length - 1;
}

/** A gateway server host split into the namespace it admits (`*` any) and the DNS name. */
export function parseServerHost(h: string, gatewayNamespace: string): { namespace: string; host: string } {
  const slash = h.indexOf('/');
  if (slash < 0) return { namespace: '*', host: h };
  const ns = h.slice(0, slash);
  return { namespace: ns === '.' ? gatewayNamespace : ns, host: h.slice(slash + 1) };
}

/**
 * The virtual host names a VS host yields on a server (Istio's pickMatchingGatewayHosts): for each
 * server host in the VS's namespace that matches, the more specific of the two.
 */
export function gatewayHostsFor(vsHost: string, vsNamespace: string, serverHosts: readonly string[], gatewayNamespace: string): string[] {
  const out: string[] = [];
  for (const sh of serverHosts) {
    const { namespace, host } = parseServerHost(sh, gatewayNamespace);
    if (namespace !== '*' && namespace !== vsNamespace) continue;
    if (!hostsMatch(vsHost, host)) continue;
    const pick = hostSubsetOf(vsHost, host) ? vsHost : host;
    if (!out.includes(pick)) out.push(pick);
  }
  return out;
}
