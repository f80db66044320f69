// The dashboard's HTTP server in the `strait up` process: the built page (dist/dashboard-web) and its JSON API:
// graph, entities, signals (from the scraped store), traces (the collector's Zipkin API), proxies (pilot's syncz, admin),
// and the Istio config with its analysis (the mesh's objects through `strait analyze`'s analyzers, pilot's push_status).
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { ConfigObject } from '../pilot/config/object.js';
import type { PushStatusDocument } from '../pilot/server/push-status.js';
import { pushStatusMessages } from '../pilot/analysis/push-status-messages.js';
import { deriveGraph } from './graph.js';
import { isIstioResource, istioConfig, resourceYaml } from './istio-config.js';
import { summarizeProxyConfig } from './proxy-config.js';
import { entities, signals, type SignalsQuery } from './signals.js';
import type { Tsdb } from './tsdb.js';

/** Where `npm run build` puts the page (dist/dashboard-web, beside dist/src). */
export const WEB_DIR = fileURLToPath(new URL('../../dashboard-web/', import.meta.url));

/** Where the store's samples come from: the dashboard's own scraper, or the Prometheus addon's query API. */
export type MetricsSource = 'scraper' | 'prometheus';

/** A proxy the proxies view lists (a pod or gateway of the mesh). */
export interface DashboardProxy { name: string; namespace: string; type: string; podIp: string; adminPort: number }

export interface DashboardServerOptions {
  host: string;
  port: number;
  db: Tsdb;
  proxies: () => readonly DashboardProxy[];
  /** host:port of pilot's monitoring server (its /debug/syncz and /debug/push_status). */
  pilotMonitoring: string;
  /** The mesh's config objects (what pilot reads), and the directory their files are in. */
  config: () => readonly ConfigObject[];
  configDir: string;
  /** The trace collector's base URL, when one runs. */
  collectorUrl: () => string | undefined;
  metricsSource: () => MetricsSource;
  webDir?: string;
}

export interface DashboardServer { url: string; close(): Promise<void> }

class ApiError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json' };

const send = (res: http.ServerResponse, status: number, body: string | Buffer, type: string): void => {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
};

function minutesOf(q: URLSearchParams, allowed: readonly number[], dflt: number): number {
  const raw = q.get('minutes');
  if (raw === null) return dflt;
  const m = Number(raw);
  if (!allowed.includes(m)) throw new ApiError(400, `minutes must be one of ${allowed.join(', ')}`);
  return m;
}

/** A path segment, %-decoded; a malformed one is the client's mistake. */
function segment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ApiError(400, `malformed path segment ${JSON.stringify(raw)}`);
  }
}

async function fetchJson(url: string): Promise<unknown> {
  const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (r.status !== 200) throw new ApiError(502, `${url} answered ${r.status}`);
  return r.json();
}

async function api(o: DashboardServerOptions, path: string, q: URLSearchParams, res: http.ServerResponse): Promise<void> {
  const json = (v: unknown): void => send(res, 200, JSON.stringify(v), 'application/json');
  const now = Date.now();
  if (path === '/api/graph') return json(deriveGraph(o.db, now - minutesOf(q, [0.5, 1, 5, 15, 60], 0.5) * 60_000, now));
  if (path === '/api/entities') return json(entities(o.db));
  if (path === '/api/signals') {
    const kind = q.get('kind');
    const direction = q.get('direction') ?? 'inbound';
    const [name, namespace] = [q.get('name'), q.get('namespace')];
    if ((kind !== 'service' && kind !== 'workload') || !name || !namespace || (direction !== 'inbound' && direction !== 'outbound')) {
      throw new ApiError(400, 'signals needs kind=service|workload, name, namespace and direction=inbound|outbound');
    }
    const sq: SignalsQuery = { kind, name, namespace, direction, minutes: minutesOf(q, [5, 15, 60], 5) };
    return json(signals(o.db, sq, now));
  }
  if (path === '/api/store') return json({ series: o.db.size, dropped: o.db.dropped, capacity: o.db.o.capacity, maxSeries: o.db.o.maxSeries, source: o.metricsSource() });
  if (path.startsWith('/api/zipkin/')) {
    const base = o.collectorUrl();
    if (!base) throw new ApiError(503, 'no trace collector is running (start the mesh with `strait up --addons`)');
    const r = await fetch(`${base}/api/v2/${path.slice('/api/zipkin/'.length)}?${q}`, { signal: AbortSignal.timeout(5000) });
    return send(res, r.status, Buffer.from(await r.arrayBuffer()), r.headers.get('content-type') ?? 'application/json');
  }
  if (path === '/api/proxies') {
    const syncz = await fetchJson(`http://${o.pilotMonitoring}/debug/syncz`) as Array<Record<string, string>>;
    return json(o.proxies().map((p) => {
      const row = syncz.find((s) => (s['proxy'] ?? '').split('~')[2] === `${p.name}.${p.namespace}`);
      return { ...p, sync: row ?? null };
    }));
  }
  if (path === '/api/istio-config') {
    // As `strait analyze`: without pilot's answer, the analyzers' messages alone and why.
    const status = await fetchJson(`http://${o.pilotMonitoring}/debug/push_status`).then((d) => ({ messages: pushStatusMessages(d as Partial<PushStatusDocument>, o.configDir) }),
      (e: Error) => ({ messages: [], error: `pilot's push status: ${e.message}` }));
    return json({ resources: istioConfig(o.config(), status.messages), ...('error' in status ? { pilotError: status.error } : {}) });
  }
  const c = /^\/api\/istio-config\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(path);
  if (c) {
    const [namespace, kind, name] = c.slice(1).map(segment) as [string, string, string];
    const obj = o.config().find((x) => isIstioResource(x) && x.kind === kind && (x.metadata.namespace ?? 'default') === namespace && x.metadata.name === name);
    if (!obj) throw new ApiError(404, `no Istio resource ${kind} ${namespace}/${name}`);
    return json({ yaml: resourceYaml(obj) });
  }
  const m = /^\/api\/proxies\/([^/]+)\/config$/.exec(path);
  if (m) {
    const p = o.proxies().find((x) => `${x.name}.${x.namespace}` === segment(m[1]!));
    if (!p) throw new ApiError(404, `no proxy ${segment(m[1]!)}`);
    const admin = `http://${p.podIp}:${p.adminPort}`;
    const [dump, clusters] = await Promise.all([fetchJson(`${admin}/config_dump`), fetchJson(`${admin}/clusters?format=json`)]);
    return json(summarizeProxyConfig(dump, clusters));
  }
  throw new ApiError(404, `no such endpoint ${path}`);
}

async function page(webDir: string, path: string, res: http.ServerResponse): Promise<void> {
  const rel = normalize(path === '/' ? '/index.html' : path);
  if (rel.includes('..')) throw new ApiError(400, 'bad path');
  // Unknown paths are the page's own views (#/graph ...): index.html.
  const file = extname(rel) ? join(webDir, rel) : join(webDir, 'index.html');
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    if (extname(rel)) throw new ApiError(404, `no such file ${path}`);
    throw new ApiError(500, 'the dashboard page is not built (npm run build builds it into dist/dashboard-web)');
  }
  send(res, 200, body, TYPES[extname(file)] ?? 'application/octet-stream');
}

export function startDashboardServer(o: DashboardServerOptions): Promise<DashboardServer> {
  const webDir = o.webDir ?? WEB_DIR;
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://dashboard');
    const work = req.method !== 'GET' ? Promise.reject(new ApiError(405, 'only GET'))
      : u.pathname.startsWith('/api/') ? api(o, u.pathname, u.searchParams, res) : page(webDir, u.pathname, res);
    work.catch((e: unknown) => {
      const status = e instanceof ApiError ? e.status : 502;
      if (!res.headersSent) send(res, status, JSON.stringify({ error: (e as Error).message }), 'application/json');
      else res.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      const url = `http://${o.host}:${(server.address() as AddressInfo).port}`;
      resolve({ url, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) });
    });
  });
}
