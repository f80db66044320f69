// webapp's calls to catalog and forum: the addresses from CATALOG_/FORUM_SERVICE_HOST/PORT and the
// inbound headers forwarded on every call (x-* of any case, and Authorization).
import type { IncomingHttpHeaders } from 'node:http';
import { httpCall, type ProxyEnv } from '../lib/upstream-client.js';

/** A catalog item as webapp re-encodes it (its Go struct: unknown fields dropped). */
export interface WebappCatalogItem {
  id: number;
  color: string;
  department: string;
  name: string;
  price: string;
  imageUrl?: string;
}

/** A forum user, as far as the page shows it. */
export interface ForumUser {
  id?: number;
  name?: string;
  username?: string;
  email?: string;
  [extra: string]: unknown;
}

/** The headers of `inbound` webapp passes on: names starting with "x-" (any case) and Authorization. */
export function forwardedHeaders(inbound: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(inbound)) {
    if (value === undefined) continue;
    if (!name.startsWith('x-') && name !== 'authorization') continue;
    out[name] = Array.isArray(value) ? value[0] ?? '' : value;
  }
  return out;
}

/** Re-encodes one item as webapp's struct would (missing strings empty, imageUrl omitted when empty). */
function toItem(raw: unknown): WebappCatalogItem {
  const o = typeof raw === 'object' && raw !== null ? raw as Record<string, unknown> : {};
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  const item: WebappCatalogItem = {
    id: typeof o.id === 'number' ? Math.trunc(o.id) : 0,
    color: str(o.color), department: str(o.department), name: str(o.name), price: str(o.price),
  };
  if (str(o.imageUrl) !== '') item.imageUrl = str(o.imageUrl);
  return item;
}

/** webapp's two upstreams, resolved from its environment. */
export class Upstreams {
  private readonly catalog: string;
  private readonly forum: string;

  constructor(private readonly env: ProxyEnv) {
    this.catalog = `http://${env.CATALOG_SERVICE_HOST || 'catalog.istioinaction'}:${env.CATALOG_SERVICE_PORT || '80'}`;
    this.forum = `http://${env.FORUM_SERVICE_HOST || 'forum.istioinaction'}:${env.FORUM_SERVICE_PORT || '80'}`;
  }

  /** GET catalog /items; throws on a network error, a non-2xx answer or a body that is not an item list. */
  async items(headers: Record<string, string>): Promise<WebappCatalogItem[]> {
    const body = await this.getJson(`${this.catalog}/items`, headers);
    if (!Array.isArray(body)) throw new Error('catalog: /items is not a list');
    return body.map(toItem);
  }

  /** GET catalog /items/:id. */
  async item(id: number, headers: Record<string, string>): Promise<WebappCatalogItem> {
    const body = await this.getJson(`${this.catalog}/items/${id}`, headers);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('catalog: not an item');
    return toItem(body);
  }

  /** POST catalog /items; throws unless the catalog answers 201. */
  async createItem(item: WebappCatalogItem, headers: Record<string, string>): Promise<void> {
    const res = await httpCall({ method: 'POST', url: `${this.catalog}/items`, body: JSON.stringify(item),
      headers: { ...headers, 'content-type': 'application/json' } }, this.env);
    if (res.status !== 201) throw new Error(`catalog: POST /items answered ${res.status}`);
  }

  /** GET forum /api/users. */
  async users(headers: Record<string, string>): Promise<ForumUser[]> {
    const body = await this.getJson(`${this.forum}/api/users`, headers);
    if (!Array.isArray(body)) throw new Error('forum: /api/users is not a list');
    return body as ForumUser[];
  }

  private async getJson(url: string, headers: Record<string, string>): Promise<unknown> {
    const res = await httpCall({ url, headers }, this.env);
    if (res.status < 200 || res.status >= 300) throw new Error(`${url} answered ${res.status}`);
    return JSON.parse(res.body.toString('utf8')) as unknown;
  }
}

/** Parses a POST /api/catalog/items body; undefined when it is not a JSON object. */
export function parseItemBody(text: string): WebappCatalogItem | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? toItem(v) : undefined;
  } catch {
    return undefined;
  }
}
