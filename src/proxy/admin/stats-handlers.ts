// `/stats` (text, json, prometheus) and `/stats/prometheus`: parse Envoy's query parameters,
// take one snapshot of the context's stats and render it.
import { renderPrometheus, PrometheusNamer } from '../stats/render-prometheus.js';
import { renderStatsJson } from '../stats/render-json.js';
import { renderStatsText } from '../stats/render-text.js';
import { toSnapshot } from '../stats/snapshot.js';
import { parseStatsParams, type StatsParams } from '../stats/stats-params.js';
import { TagProducer } from '../stats/tag-extractor.js';
import type { AdminContext } from './types.js';

/** Envoy's default admin content type. */
export const TEXT = 'text/plain; charset=UTF-8';
/** Content type of the JSON endpoints. */
export const JSON_TYPE = 'application/json';

/** One admin reply. */
export interface AdminReply {
  status: number;
  body: string;
  contentType: string;
  /** Runs once the reply has been written (used by /quitquitquit). */
  after?: () => void;
}

/** Keeps the Prometheus name cache for as long as the context's tag producer stays the same. */
export class NamerCache {
  private producer: TagProducer | undefined;
  private namer: PrometheusNamer | undefined;

  get(ctx: AdminContext): PrometheusNamer {
    const producer = ctx.tagProducer?.();
    if (this.namer === undefined || producer !== this.producer) {
      this.producer = producer;
      this.namer = new PrometheusNamer(producer ?? new TagProducer());
    }
    return this.namer;
  }
}

function prometheus(p: StatsParams, ctx: AdminContext, namers: NamerCache): AdminReply {
  if (p.histogramBuckets === 'disjoint' || p.histogramBuckets === 'detailed') {
    return { status: 400, body: 'unsupported prometheus histogram bucket mode', contentType: TEXT };
  }
  // A scraper that asks for a few stats (the dashboard's filter) costs their copies, not every stat's.
  const filter = p.filter;
  const snap = toSnapshot(ctx.stats(), filter === undefined ? undefined : (name) => filter.partialMatchText(name));
  const body = renderPrometheus(snap, namers.get(ctx), {
    usedOnly: p.usedOnly, filter: p.filter, textReadouts: p.textReadouts,
    histogramType: p.histogramBuckets === 'summary' ? 'summary' : 'histogram',
  });
  return { status: 200, body, contentType: TEXT };
}

/** GET /stats. */
export function handleStats(query: ReadonlyMap<string, string>, ctx: AdminContext, namers: NamerCache): AdminReply {
  const parsed = parseStatsParams(query);
  if (!parsed.ok) return { status: 400, body: parsed.body, contentType: TEXT };
  const p = parsed.params;
  if (p.format === 'prometheus') return prometheus(p, ctx, namers);
  const snap = toSnapshot(ctx.stats());
  if (p.format === 'json') return { status: 200, body: renderStatsJson(snap, p), contentType: JSON_TYPE };
  return { status: 200, body: renderStatsText(snap, p), contentType: TEXT };
}

/** GET /stats/prometheus. */
export function handlePrometheus(query: ReadonlyMap<string, string>, ctx: AdminContext, namers: NamerCache): AdminReply {
  const q = new Map(query);
  q.delete('format');
  const parsed = parseStatsParams(q);
  if (!parsed.ok) return { status: 400, body: parsed.body, contentType: TEXT };
  return prometheus(parsed.params, ctx, namers);
}
