// The analyzers strait runs (a subset of istioctl analyze's) and `analyze`, which applies the
// default namespace, runs them all, keeps the selected namespace's messages and sorts them.
import type { ConfigObject } from '../config/object.js';
import type { Analyzer } from './context.js';
import { sortMessages, type AnalysisMessage } from './message.js';
import { gatewayReferenceAnalyzer } from './gateway-reference.js';
import { destinationHostAnalyzer } from './destination-host.js';
import { destinationSubsetAnalyzer } from './destination-subset.js';
import { conflictingMeshHostsAnalyzer } from './conflicting-mesh-hosts.js';
import { gatewayPortAnalyzer } from './gateway-port.js';
import { schemaValidationAnalyzer } from './schema-validation.js';

export const ALL_ANALYZERS: readonly Analyzer[] = [
  schemaValidationAnalyzer,
  gatewayReferenceAnalyzer,
  destinationHostAnalyzer,
  destinationSubsetAnalyzer,
  conflictingMeshHostsAnalyzer,
  gatewayPortAnalyzer,
];

export interface AnalyzeOptions {
  /** Namespace for objects without one, and the only one reported unless allNamespaces. */
  namespace: string;
  allNamespaces: boolean;
}

/** Defaults the namespace; of objects with the same kind, namespace and name the last wins (as on apply). */
function normalize(objects: readonly ConfigObject[], namespace: string): ConfigObject[] {
  const byKey = new Map<string, ConfigObject>();
  for (const o of objects) {
    const obj = o.metadata.namespace ? o : { ...o, metadata: { ...o.metadata, namespace } };
    const group = o.apiVersion.includes('/') ? o.apiVersion.slice(0, o.apiVersion.indexOf('/')) : '';
    const key = `${group}/${o.kind}/${obj.metadata.namespace}/${o.metadata.name}`;
    byKey.delete(key);
    byKey.set(key, obj);
  }
  return [...byKey.values()];
}

/** Runs every analyzer over the objects; returns the messages, errors first. */
export function analyze(objects: readonly ConfigObject[], opts: AnalyzeOptions): AnalysisMessage[] {
  const ctx = { objects: normalize(objects, opts.namespace) };
  const all = ALL_ANALYZERS.flatMap((a) => a.analyze(ctx));
  return sortMessages(opts.allNamespaces ? all : all.filter((m) => m.namespace === opts.namespace));
}
