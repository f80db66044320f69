// The dynamic half of /config_dump: Envoy's dynamic_active/warming_clusters, dynamic_listeners
// (active/warming/draining/error states), dynamic_route_configs and, with ?include_eds, endpoints.
import { toJson, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { ClusterSchema } from '../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../xds/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../../xds/gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../xds/gen/envoy/config/route/v3/route_pb.js';
import { registry } from '../../xds/registry.js';
import type { ListenerEntry } from './lds-applier.js';
import type { FailureRecord } from './records.js';
import type { XdsRuntime } from './xds-runtime.js';

type Json = Record<string, unknown>;

function typed<D extends DescMessage>(schema: D, msg: MessageShape<D>): Json {
  return { '@type': `type.googleapis.com/${schema.typeName}`,
    ...(toJson(schema, msg, { registry, useProtoFieldName: true }) as Json) };
}

function failure<D extends DescMessage>(schema: D, f: FailureRecord<MessageShape<D>>): Json {
  return { failed_configuration: typed(schema, f.failed), last_update_attempt: f.attempt.toISOString(),
    details: f.details, version_info: f.version };
}

function listenerState(e: ListenerEntry): Json {
  return { version_info: e.version, listener: typed(ListenerSchema, e.config), last_updated: e.lastUpdated.toISOString() };
}

/** Fields to merge into each config dump section (by the section's @type short name). */
export interface DynamicDump {
  clusters: Json;
  listeners: Json;
  routes: Json;
  endpoints: Json;
}

/** The dynamic fields of each section. */
export function dynamicDump(xds: XdsRuntime): DynamicDump {
  const clusters: Json = {};
  const cds = xds.cds;
  if (cds !== null) {
    if (cds.version !== '') clusters['version_info'] = cds.version;
    const entries = [...cds.clusters.values()].sort((a, b) => a.resource.name.localeCompare(b.resource.name));
    const entry = (c: (typeof entries)[number]): Json => {
      const out: Json = { version_info: c.version, cluster: typed(ClusterSchema, c.resource),
        last_updated: c.lastUpdated.toISOString() };
      const f = cds.failures.get(c.resource.name);
      if (f !== undefined) out['error_state'] = failure(ClusterSchema, f);
      return out;
    };
    clusters['dynamic_active_clusters'] = entries.filter((c) => c.warm).map(entry);
    clusters['dynamic_warming_clusters'] = entries.filter((c) => !c.warm).map(entry);
  }
  const listeners: Json = {};
  const lds = xds.lds;
  if (lds !== null) {
    if (lds.version !== '') listeners['version_info'] = lds.version;
    const names = new Set([...lds.active.keys(), ...lds.warming.keys(), ...lds.failures.keys(),
      ...[...lds.draining].map((e) => e.config.name)]);
    listeners['dynamic_listeners'] = [...names].sort().map((name) => {
      const out: Json = { name };
      const a = lds.active.get(name);
      if (a !== undefined) out['active_state'] = listenerState(a);
      const w = lds.warming.get(name);
      if (w !== undefined) out['warming_state'] = listenerState(w);
      const d = [...lds.draining].find((e) => e.config.name === name);
      if (d !== undefined) out['draining_state'] = listenerState(d);
      const f = lds.failures.get(name);
      if (f !== undefined) out['error_state'] = failure(ListenerSchema, f);
      return out;
    });
  }
  const routes: Json = {
    dynamic_route_configs: xds.rds.all().flatMap((p) => (p.record === null ? [] : [{
      version_info: p.record.version, route_config: typed(RouteConfigurationSchema, p.record.resource),
      last_updated: p.record.lastUpdated.toISOString(),
    }])),
  };
  const endpoints: Json = {
    dynamic_endpoint_configs: [...xds.eds.assignments.values()].map((r) => ({
      version_info: r.version, endpoint_config: typed(ClusterLoadAssignmentSchema, r.resource),
      last_updated: r.lastUpdated.toISOString(),
    })),
  };
  return { clusters, listeners, routes, endpoints };
}
