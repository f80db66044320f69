// Kiali's Istio Config list for the dashboard: every Istio resource of the mesh with the messages `strait analyze`
// reports on it (the same analyzers, and pilot's IST0001), its validation status, and its YAML.
import { stringify } from 'yaml';
import { analyze } from '../pilot/analysis/index.js';
import { sortMessages, type AnalysisMessage, type Level } from '../pilot/analysis/message.js';
import { splitApiVersion, type ConfigObject } from '../pilot/config/object.js';

/** Kiali's validation status: the worst level of the resource's messages, `valid` without any. */
export type ValidationStatus = 'error' | 'warning' | 'info' | 'valid';

export interface IstioConfigItem {
  kind: string;
  apiVersion: string;
  namespace: string;
  name: string;
  status: ValidationStatus;
  messages: Array<{ level: Level; code: string; name: string; text: string }>;
}

/** Whether the object is an Istio resource (of a *.istio.io group). */
export const isIstioResource = (o: ConfigObject): boolean => splitApiVersion(o.apiVersion).group.endsWith('istio.io');
const keyOf = (kind: string, namespace: string, name: string): string => `${kind}/${namespace}/${name}`;
const STATUS: Record<Level, ValidationStatus> = { Error: 'error', Warning: 'warning', Info: 'info' };

/** The mesh's Istio resources (by namespace, kind, name), each with its messages among `analyze`'s and `extra`. */
export function istioConfig(objects: readonly ConfigObject[], extra: readonly AnalysisMessage[]): IstioConfigItem[] {
  const byResource = new Map<string, AnalysisMessage[]>();
  for (const m of sortMessages([...analyze(objects, { namespace: 'default', allNamespaces: true }), ...extra])) {
    const k = keyOf(m.kind, m.namespace, m.resourceName);
    byResource.set(k, [...byResource.get(k) ?? [], m]);
  }
  return objects.filter(isIstioResource).map((o) => {
    const namespace = o.metadata.namespace ?? 'default';
    const messages = byResource.get(keyOf(o.kind, namespace, o.metadata.name)) ?? [];
    return { kind: o.kind, apiVersion: o.apiVersion, namespace, name: o.metadata.name,
      status: messages.length > 0 ? STATUS[messages[0]!.level] : 'valid',
      messages: messages.map((m) => ({ level: m.level, code: m.code, name: m.name, text: m.text })) };
  }).sort((a, b) => a.namespace.localeCompare(b.namespace) || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}

/** The resource as `kubectl get -o yaml` shows it: apiVersion, kind, metadata, spec (and status when it has one). */
export function resourceYaml(o: ConfigObject): string {
  return stringify({ apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata, spec: o.spec, ...(o.status === undefined ? {} : { status: o.status }) });
}
