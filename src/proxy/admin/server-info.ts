// `/server_info`, `/memory`, `/certs` and `/runtime` bodies in Envoy's JSON shapes
// (primitive fields always printed where Envoy asks for it, pretty with one-space indent).
import { durationJson, protoJson } from './proto-json.js';
import type { AdminRuntimeLayer, AdminServerInfo, AdminServerState } from './types.js';

/** Envoy prints this when built without hot restart. */
export const HOT_RESTART_DISABLED = 'disabled';

/** envoy.admin.v3.ServerInfo, fields in proto order. */
export function renderServerInfo(info: AdminServerInfo, state: AdminServerState): string {
  return protoJson({
    version: info.version,
    state,
    uptime_current_epoch: durationJson(info.uptimeCurrentEpochSeconds),
    uptime_all_epochs: durationJson(info.uptimeAllEpochsSeconds),
    hot_restart_version: info.hotRestartVersion ?? HOT_RESTART_DISABLED,
    command_line_options: info.commandLineOptions,
    node: info.node,
  });
}

/** envoy.admin.v3.Memory from the Node process (tcmalloc-only fields are 0). */
export function renderMemory(): string {
  const m = process.memoryUsage();
  return protoJson({
    allocated: String(m.heapUsed + m.external),
    heap_size: String(m.heapTotal),
    pageheap_unmapped: '0',
    pageheap_free: '0',
    total_thread_cache: '0',
    total_physical_bytes: String(m.rss),
  });
}

/** envoy.admin.v3.Certificates. */
export function renderCerts(certs: unknown[]): string {
  return protoJson({ certificates: certs });
}

/** Envoy's `/runtime`: layer names, and per key its final value and the value in each layer. */
export function renderRuntime(layers: AdminRuntimeLayer[]): string {
  const keys = new Set<string>();
  for (const l of layers) for (const k of Object.keys(l.values)) keys.add(k);
  const entries: Record<string, { final_value: string; layer_values: string[] }> = {};
  for (const k of [...keys].sort()) {
    const values = layers.map((l) => l.values[k] ?? '');
    let final = '';
    for (const v of values) if (v !== '') final = v;
    entries[k] = { final_value: final, layer_values: values };
  }
  return protoJson({ entries, layers: layers.map((l) => l.name) });
}
