// Stats created with explicit tags (Envoy's StatNameTagVector): the joined full name and the
// Prometheus family of a stat in a custom namespace such as Istio's `istiocustom`.
import type { Tag } from './tag-extractor.js';

/** A tagged stat's tag-extracted name and its tags, in order. */
export interface StatTags {
  readonly name: string;
  readonly tags: readonly Tag[];
}

/** Envoy's custom stat namespaces: stats under them are exported without `envoy_` and the namespace. */
export const CUSTOM_STAT_NAMESPACES: ReadonlySet<string> = new Set(['istiocustom']);

/** `name.tag1.value1.tag2.value2` as Envoy's TagStatNameJoiner; empty values add no token. */
export function taggedStatName(name: string, tags: readonly Tag[]): string {
  let out = name;
  for (const t of tags) out = t.value === '' ? `${out}.${t.name}` : `${out}.${t.name}.${t.value}`;
  return out;
}

/** The namespace-stripped name for a stat in a custom namespace, or undefined. */
export function stripCustomNamespace(name: string): string | undefined {
  const dot = name.indexOf('.');
  if (dot <= 0 || !CUSTOM_STAT_NAMESPACES.has(name.slice(0, dot))) return undefined;
  return name.slice(dot + 1);
}
