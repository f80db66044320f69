// The HTTP client the demo services call their upstreams with: honours http_proxy / HTTP_PROXY
// (absolute-form requests sent to the proxy, as curl does) and no_proxy / NO_PROXY.
import http from 'node:http';
import https from 'node:https';

/** What a call sends. */
export interface UpstreamRequest {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Gives up after this long (default 30 s, fake-service's HTTP_CLIENT_REQUEST_TIMEOUT). */
  timeoutMs?: number;
}

/** What came back. */
export interface UpstreamResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Environment keys the client reads. */
export type ProxyEnv = Record<string, string | undefined>;

const DEFAULT_TIMEOUT_MS = 30_000;

/** The first set variable among `names`. */
function envValue(env: ProxyEnv, names: string[]): string | undefined {
  for (const n of names) {
    const v = env[n];
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
}

/** Whether no_proxy exempts `url`: "*", exact hosts, domain suffixes (".x" or "x"), optional ":port". */
export function bypassesProxy(url: URL, env: ProxyEnv): boolean {
  const raw = envValue(env, ['no_proxy', 'NO_PROXY']);
  if (raw === undefined) return false;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const item of raw.split(/[,\s]+/)) {
    let entry = item.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    let entryPort: string | undefined;
    const m = /^([^:]+):(\d+)$/.exec(entry);
    if (m !== null) {
      entry = m[1]!;
      entryPort = m[2];
    }
    if (entryPort !== undefined && entryPort !== port) continue;
    entry = entry.replace(/^\*?\./, '');
    if (host === entry || host.endsWith(`.${entry}`)) return true;
  }
  return false;
}

/** The proxy a request to `url` goes through, or undefined when it goes direct. */
export function proxyFor(url: URL, env: ProxyEnv): URL | undefined {
  if (url.protocol !== 'http:') return undefined;
  const raw = envValue(env, ['http_proxy', 'HTTP_PROXY']);
  if (raw === undefined || bypassesProxy(url, env)) return undefined;
  return new URL(raw.includes('://') ? raw : `http://${raw}`);
}

/** Makes one HTTP call; through the proxy when the environment names one. Rejects on network errors only. */
export function httpCall(request: UpstreamRequest, env: ProxyEnv = process.env): Promise<UpstreamResponse> {
  const url = new URL(request.url);
  // The authority as written (URL drops a default ":80"); Go clients like the real webapp keep it.
  const authority = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/?#]*)/i.exec(request.url)?.[1] || url.host;
  const proxy = proxyFor(url, env);
  const headers: Record<string, string> = { ...request.headers };
  if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
  let options: http.RequestOptions;
  if (proxy !== undefined) {
    if (proxy.username !== '') {
      const creds = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
      headers['proxy-authorization'] = `Basic ${Buffer.from(creds).toString('base64')}`;
    }
    options = {
      host: proxy.hostname.replace(/^\[|\]$/g, ''), port: proxy.port || 80,
      // Absolute form: the proxy reads the destination from the request line and Host.
      path: `${url.protocol}//${authority}${url.pathname}${url.search}`,
      headers: { host: authority, ...headers },
    };
  } else {
    options = {
      host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port || (url.protocol === 'https:' ? 443 : 80),
      path: `${url.pathname}${url.search}`, headers: { host: authority, ...headers },
    };
  }
  const lib = proxy === undefined && url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request({ ...options, method: request.method ?? 'GET', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(request.timeoutMs ?? DEFAULT_TIMEOUT_MS, () => req.destroy(new Error(`timeout calling ${url.href}`)));
    req.on('error', reject);
    req.end(request.body);
  });
}
