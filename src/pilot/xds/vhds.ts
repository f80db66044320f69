// Routes for proxies that take VHDS: each RouteConfiguration goes as a shell naming VHDS, and its
// virtual hosts as VirtualHost resources `<route config>/<vhost>`, so an edit sends only the hosts it changed.
import { create, toBinary } from '@bufbuild/protobuf';
import { AnySchema } from '@bufbuild/protobuf/wkt';
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { ApiVersion } from '../../xds/gen/envoy/config/core/v3/config_source_pb.js';
import { RouteConfigurationSchema } from '../../xds/gen/envoy/config/route/v3/route_pb.js';
import { resourceHash, VIRTUAL_HOST_TYPE, type SnapshotResource, type TypeSnapshot } from '../../xds/server/index.js';

/** RouteConfiguration.virtual_hosts and VirtualHost.name, as field numbers. */
const VIRTUAL_HOSTS_FIELD = 2;
const NAME_FIELD = 1;

/** `vhds: { config_source: { ads: {}, resource_api_version: V3 } }` encoded: appended to a shell, protobuf merges it in. */
const VHDS_FIELD = toBinary(RouteConfigurationSchema, create(RouteConfigurationSchema, {
  vhds: { configSource: { configSourceSpecifier: { case: 'ads', value: {} }, resourceApiVersion: ApiVersion.V3 } },
}));

/** A proxy's RDS and VHDS made from its whole route configurations. */
export interface VhdsForm { readonly routes: TypeSnapshot; readonly vhosts: TypeSnapshot }

const forms = new WeakMap<TypeSnapshot, VhdsForm>();
/** Each shell RDS snapshot's whole one (config dumps show the merged table, as Envoy's). */
const wholeOf = new WeakMap<TypeSnapshot, TypeSnapshot>();

function packed(typeUrl: string, name: string, value: Uint8Array): SnapshotResource {
  const resource = create(AnySchema, { typeUrl, value });
  return { name, resource, version: resourceHash(resource) };
}

/** The name of an encoded VirtualHost. */
function vhostName(bytes: Uint8Array): string {
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (no === NAME_FIELD) return r.string();
    r.skip(wt, no);
  }
  return '';
}

/**
 * Splits one encoded RouteConfiguration at the wire level (no decoding): its virtual hosts' bytes
 * become VirtualHost resources, the rest with `vhds` appended the shell.
 */
function split(rc: SnapshotResource, vhosts: Map<string, SnapshotResource>): SnapshotResource {
  const bytes = rc.resource.value;
  const r = new BinaryReader(bytes);
  const rest: Uint8Array[] = [];
  let size = VHDS_FIELD.length;
  while (r.pos < r.len) {
    const start = r.pos;
    const [no, wt] = r.tag();
    if (no === VIRTUAL_HOSTS_FIELD) {
      const vh = r.bytes().slice();
      const name = `${rc.name}/${vhostName(vh)}`;
      // A name twice would be NACKed; the route table keeps the first of a domain too.
      if (!vhosts.has(name)) vhosts.set(name, packed(VIRTUAL_HOST_TYPE, name, vh));
      continue;
    }
    r.skip(wt, no);
    rest.push(bytes.subarray(start, r.pos));
    size += r.pos - start;
  }
  const shell = new Uint8Array(size);
  let at = 0;
  for (const part of [...rest, VHDS_FIELD]) {
    shell.set(part, at);
    at += part.length;
  }
  return packed(rc.resource.typeUrl, rc.name, shell);
}

/** The VHDS form of a proxy's RDS snapshot, made once per snapshot and shared by every proxy that has it. */
export function vhdsForm(whole: TypeSnapshot): VhdsForm {
  let f = forms.get(whole);
  if (f === undefined) {
    const shells = new Map<string, SnapshotResource>();
    const vhosts = new Map<string, SnapshotResource>();
    for (const rc of whole.resources.values()) shells.set(rc.name, split(rc, vhosts));
    f = { routes: { version: whole.version, resources: shells }, vhosts: { version: whole.version, resources: vhosts } };
    forms.set(whole, f);
    wholeOf.set(f.routes, whole);
  }
  return f;
}

/** The whole route configurations behind an RDS snapshot (itself unless it is a VHDS shell). */
export function wholeRoutes(ts: TypeSnapshot): TypeSnapshot;
export function wholeRoutes(ts: TypeSnapshot | undefined): TypeSnapshot | undefined;
export function wholeRoutes(ts: TypeSnapshot | undefined): TypeSnapshot | undefined {
  return ts === undefined ? undefined : wholeOf.get(ts) ?? ts;
}
