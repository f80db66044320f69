// httpbin's URL map: which endpoint a path names, its path parameter, and the methods it takes
// (Flask's rules: HEAD wherever GET is, OPTIONS everywhere, no trailing-slash variants).

/** The endpoints this httpbin serves. */
export type Endpoint =
  | 'index' | 'headers' | 'ip' | 'user-agent' | 'uuid' | 'get' | 'anything' | 'post' | 'put'
  | 'patch' | 'delete' | 'status' | 'delay' | 'response-headers' | 'bytes' | 'stream';

/** A path resolved to an endpoint. */
export interface RouteMatch {
  endpoint: Endpoint;
  /** The path parameter (<codes>, <delay>, <int:n>), if the route has one. */
  param: string;
  /** Methods allowed, including the implicit HEAD and OPTIONS, sorted as werkzeug lists them. */
  allow: readonly string[];
}

const ANY_BODY = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'TRACE'];

function allowList(methods: readonly string[]): readonly string[] {
  const set = new Set(methods);
  if (set.has('GET')) set.add('HEAD');
  set.add('OPTIONS');
  return [...set].sort();
}

const EXACT = new Map<string, { endpoint: Endpoint; allow: readonly string[] }>([
  ['/', { endpoint: 'index', allow: allowList(['GET']) }],
  ['/headers', { endpoint: 'headers', allow: allowList(['GET']) }],
  ['/ip', { endpoint: 'ip', allow: allowList(['GET']) }],
  ['/user-agent', { endpoint: 'user-agent', allow: allowList(['GET']) }],
  ['/uuid', { endpoint: 'uuid', allow: allowList(['GET']) }],
  ['/get', { endpoint: 'get', allow: allowList(['GET']) }],
  ['/anything', { endpoint: 'anything', allow: allowList(ANY_BODY) }],
  ['/post', { endpoint: 'post', allow: allowList(['POST']) }],
  ['/put', { endpoint: 'put', allow: allowList(['PUT']) }],
  ['/patch', { endpoint: 'patch', allow: allowList(['PATCH']) }],
  ['/delete', { endpoint: 'delete', allow: allowList(['DELETE']) }],
  ['/response-headers', { endpoint: 'response-headers', allow: allowList(['GET', 'POST']) }],
]);

/** Routes with one path parameter: prefix, endpoint, methods, parameter shape. */
const WITH_PARAM: readonly { prefix: string; endpoint: Endpoint; allow: readonly string[]; shape: RegExp }[] = [
  { prefix: '/anything/', endpoint: 'anything', allow: allowList(ANY_BODY), shape: /^.+$/s },
  { prefix: '/status/', endpoint: 'status', allow: allowList(ANY_BODY), shape: /^[^/]+$/ },
  { prefix: '/delay/', endpoint: 'delay', allow: allowList(ANY_BODY), shape: /^[^/]+$/ },
  { prefix: '/bytes/', endpoint: 'bytes', allow: allowList(['GET']), shape: /^[0-9]+$/ },
  { prefix: '/stream/', endpoint: 'stream', allow: allowList(['GET']), shape: /^[0-9]+$/ },
];

/** Resolves a (percent-decoded) path to its endpoint, or undefined for a 404. */
export function matchRoute(path: string): RouteMatch | undefined {
  const exact = EXACT.get(path);
  if (exact !== undefined) return { ...exact, param: '' };
  for (const r of WITH_PARAM) {
    if (!path.startsWith(r.prefix)) continue;
    const param = path.slice(r.prefix.length);
    if (r.shape.test(param)) return { endpoint: r.endpoint, allow: r.allow, param };
  }
  return undefined;
}
