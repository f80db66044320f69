// The HCM's path normalization before routing: normalize_path (RFC 3986 section 6 as Envoy's canonicalPath
// does with Chromium's canonicalizer: dot segments, unreserved escapes) and merge_slashes. Only the part before '?'.

/** Characters a path keeps as they are (RFC 3986 pchar and '/'), besides '%' escapes. */
const KEEP = /[A-Za-z0-9\-._~!$&'()*+,;=:@/]/;

function isHex(c: string | undefined): boolean {
  return c !== undefined && /[0-9A-Fa-f]/.test(c);
}

/** Decodes %XX escapes of unreserved characters; escapes what a path may not hold; '\' becomes '/'. */
function canonicalChars(path: string): string {
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    if (c === '%' && isHex(path[i + 1]) && isHex(path[i + 2])) {
      const decoded = String.fromCharCode(parseInt(path.slice(i + 1, i + 3), 16));
      out += /[A-Za-z0-9\-._~]/.test(decoded) ? decoded : `%${path.slice(i + 1, i + 3).toUpperCase()}`;
      i += 2;
    } else if (c === '\\') {
      out += '/';
    } else if (c === '%' || KEEP.test(c)) {
      // A '%' that starts no escape stays literal, as Chromium's canonicalizer leaves it.
      out += c;
    } else {
      for (const b of Buffer.from(c, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return out;
}

/** Removes '.' and '..' segments (RFC 3986 5.2.4); '..' never climbs above the root. */
function removeDotSegments(path: string): string {
  const segments = path.split('/');
  const out: string[] = [];
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i]!;
    const last = i === segments.length - 1;
    if (s === '.') {
      if (last) out.push('');
    } else if (s === '..') {
      out.pop();
      if (last) out.push('');
    } else {
      out.push(s);
    }
  }
  return `/${out.join('/')}`;
}

/** Splits a :path into the path and what follows it ('?query'). */
function split(full: string): [string, string] {
  const q = full.indexOf('?');
  return q < 0 ? [full, ''] : [full.slice(0, q), full.slice(q)];
}

/** normalize_path: the canonical form of an origin-form :path (it starts with '/'). */
export function normalizePath(full: string): string {
  const [path, query] = split(full);
  return removeDotSegments(canonicalChars(path)) + query;
}

/** merge_slashes: runs of '/' become one. */
export function mergeSlashes(full: string): string {
  const [path, query] = split(full);
  if (!path.includes('//')) return full;
  const prefix = path.startsWith('/') ? '/' : '';
  const suffix = path.endsWith('/') ? '/' : '';
  return prefix + path.split('/').filter((s) => s !== '').join('/') + suffix + query;
}
