// The istio ConfigMap of istio-system, whose `mesh` key istiod reads its mesh config from (`kubectl edit cm istio
// -n istio-system`): which object it is, and the meshConfig overrides its text gives.
import { meshConfigFromYaml, type MeshConfigFinding } from './mesh-config-input.js';
import type { MeshConfig } from './mesh-config.js';

export const MESH_CONFIG_MAP = { namespace: 'istio-system', name: 'istio', key: 'mesh' } as const;

/** Whether a (namespaced) object is the mesh config's ConfigMap. */
export function isMeshConfigMap(o: { kind: string; metadata: { name?: string; namespace?: string } }): boolean {
  return o.kind === 'ConfigMap' && o.metadata.name === MESH_CONFIG_MAP.name && o.metadata.namespace === MESH_CONFIG_MAP.namespace;
}

/** The overrides of the ConfigMap's `data` (none without a `mesh` key), or the refused fields under `data.mesh`. */
export function meshConfigOfMapData(data: unknown): { overrides: Partial<MeshConfig>; errors: MeshConfigFinding[] } {
  const text = typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[MESH_CONFIG_MAP.key] : undefined;
  if (typeof text !== 'string') return { overrides: {}, errors: [] };
  const r = meshConfigFromYaml(text);
  const at = `data.${MESH_CONFIG_MAP.key}`;
  return { overrides: r.overrides, errors: r.errors.map((e) => ({ path: e.path === '' ? at : `${at}.${e.path}`, message: e.message })) };
}
