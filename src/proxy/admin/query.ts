// Splits an admin request target into path and query parameters the way Envoy's
// Http::Utility::parseAndDecodeQueryString does: `&`-separated, first value wins, `key` alone is "".

/** A request target split into its path and decoded query parameters. */
export interface ParsedTarget {
  path: string;
  query: Map<string, string>;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Parses `key=value&flag` pairs (percent-decoded; `+` stays `+`, so regexes like `\d+` survive). */
export function parseQueryString(qs: string, decodeValues = true): Map<string, string> {
  const query = new Map<string, string>();
  for (const part of qs.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    const key = decodeValues ? decode(rawKey) : rawKey;
    if (!query.has(key)) query.set(key, decodeValues ? decode(rawValue) : rawValue);
  }
  return query;
}

/** Splits `/path?query`. */
export function parseTarget(target: string): ParsedTarget {
  const q = target.indexOf('?');
  if (q < 0) return { path: target, query: new Map() };
  return { path: target.slice(0, q), query: parseQueryString(target.slice(q + 1)) };
}
