// An immutable set of xDS resources for one node (or node group): per type URL a version and
// named resources packed as Any, each with a content hash (the per-resource version of delta xDS).
import { createHash } from 'node:crypto';
import { create, toBinary, type Message, type Registry } from '@bufbuild/protobuf';
import { AnySchema, type Any } from '@bufbuild/protobuf/wkt';
import { registry as strait } from '../registry.js';
import { CORE_TYPES, typeUrlOf } from './type-urls.js';

/** One named resource as it goes on the wire. */
export interface SnapshotResource {
  readonly name: string;
  readonly resource: Any;
  /** Hex SHA-256 of the serialized resource: the resource's version in delta xDS. */
  readonly version: string;
}

/** The resources of one type in a snapshot, with the type's version (version_info in SotW). */
export interface TypeSnapshot {
  readonly version: string;
  readonly resources: ReadonlyMap<string, SnapshotResource>;
}

/** A resource given to a snapshot: a generated message (named by its `name`/`clusterName`) or an Any with its name. */
export type ResourceInput = Message | { readonly name: string; readonly resource: Any };

/** The resources of one type and the version they are sent under. */
export interface TypeInput {
  readonly version: string;
  readonly resources: readonly ResourceInput[];
}

/** Everything one node (or node group) should see, by type URL. Immutable once built. */
export class Snapshot {
  private readonly types: ReadonlyMap<string, TypeSnapshot>;

  constructor(types: ReadonlyMap<string, TypeSnapshot>) {
    this.types = types;
  }

  /** The resources of one type, or undefined when the snapshot does not manage that type. */
  get(typeUrl: string): TypeSnapshot | undefined {
    return this.types.get(typeUrl);
  }

  /** The type URLs this snapshot manages. */
  typeUrls(): string[] {
    return [...this.types.keys()];
  }

  /** The version of one type, or undefined. */
  version(typeUrl: string): string | undefined {
    return this.types.get(typeUrl)?.version;
  }
}

/** Hex SHA-256 of an Any's payload and type: the per-resource version. */
export function resourceHash(any: Any): string {
  return createHash('sha256').update(any.typeUrl).update(any.value).digest('hex');
}

function nameOf(msg: Message): string {
  const m = msg as unknown as { name?: unknown; clusterName?: unknown };
  if (typeof m.name === 'string' && m.name !== '') return m.name;
  if (typeof m.clusterName === 'string' && m.clusterName !== '') return m.clusterName;
  throw new Error(`${msg.$typeName}: a resource needs a non-empty name (or cluster_name)`);
}

function toResource(input: ResourceInput, reg: Registry): SnapshotResource {
  if ('$typeName' in input) {
    const schema = reg.getMessage(input.$typeName);
    if (!schema) throw new Error(`${input.$typeName}: not a registered message type`);
    const any = create(AnySchema, { typeUrl: typeUrlOf(input.$typeName), value: toBinary(schema, input) });
    return { name: nameOf(input), resource: any, version: resourceHash(any) };
  }
  if (input.name === '') throw new Error(`${input.resource.typeUrl}: a resource needs a non-empty name`);
  return { name: input.name, resource: input.resource, version: resourceHash(input.resource) };
}

function typeSnapshot(typeUrl: string, input: TypeInput, reg: Registry): TypeSnapshot {
  const resources = new Map<string, SnapshotResource>();
  for (const r of input.resources) {
    const res = toResource(r, reg);
    if (res.resource.typeUrl !== typeUrl) {
      throw new Error(`resource ${res.name} has type ${res.resource.typeUrl}, expected ${typeUrl}`);
    }
    // The spec makes a response with a name twice invalid (clients NACK it): refuse it here.
    if (resources.has(res.name)) throw new Error(`${typeUrl}: duplicate resource name ${res.name}`);
    resources.set(res.name, res);
  }
  return { version: input.version, resources };
}

/** Builds a snapshot from resources grouped by type URL; throws on duplicate names or mismatched types. */
export function createSnapshot(types: Readonly<Record<string, TypeInput>>, reg: Registry = strait): Snapshot {
  const out = new Map<string, TypeSnapshot>();
  for (const [typeUrl, input] of Object.entries(types)) out.set(typeUrl, typeSnapshot(typeUrl, input, reg));
  return new Snapshot(out);
}

/**
 * Builds a snapshot where every type has the same version: the five core types are always
 * present (an empty LDS/CDS tells clients to remove everything), other types when given.
 */
export function snapshotOf(version: string, resources: readonly ResourceInput[], reg: Registry = strait): Snapshot {
  const byType = new Map<string, ResourceInput[]>(CORE_TYPES.map((t) => [t, []]));
  for (const r of resources) {
    const typeUrl = '$typeName' in r ? typeUrlOf(r.$typeName) : r.resource.typeUrl;
    let list = byType.get(typeUrl);
    if (!list) byType.set(typeUrl, (list = []));
    list.push(r);
  }
  const types: Record<string, TypeInput> = {};
  for (const [t, list] of byType) types[t] = { version, resources: list };
  return createSnapshot(types, reg);
}
