// istiod's trust domain bundle: source principals naming `cluster.local` (or the mesh's trust domain)
// are rewritten to the mesh's trust domain and its aliases, so policies follow a trust domain migration.

/** A principal `<td>/ns/<ns>/sa/<sa>` split at `/`, or undefined when it is not in that form. */
function parts(principal: string): string[] | undefined {
  const p = principal.split('/');
  return p.length === 5 ? p : undefined;
}

/** `pattern` with a leading `*` matches any suffix; otherwise equality. */
function suffixMatch(td: string, pattern: string): boolean {
  return pattern.startsWith('*') ? td.endsWith(pattern.slice(1)) : td === pattern;
}

/** istiod's Bundle.ReplaceTrustDomainAliases over `trustDomains` (the mesh's first, then its aliases). */
export function replaceTrustDomainAliases(principals: readonly string[], trustDomains: readonly string[]): string[] {
  const out: string[] = [];
  for (const principal of principals) {
    const p = parts(principal);
    if (p === undefined || p[0] === '*') {
      out.push(principal);
      continue;
    }
    const td = p[0];
    if (!trustDomains.includes(td) && td !== 'cluster.local') {
      out.push(principal);
      continue;
    }
    const variants: string[] = [];
    for (const t of trustDomains) {
      const v = suffixMatch(t, td) ? principal : [t, ...p.slice(1)].join('/');
      if (!variants.includes(v)) variants.push(v);
    }
    out.push(...variants);
  }
  return out;
}
