// Unpacks the Any resources of a DiscoveryResponse with Strait's registry, checking each one's
// type URL against the response's and reading its name (name, or cluster_name for EDS).
import { anyUnpack, type Any } from '@bufbuild/protobuf/wkt';
import { registry } from '../registry.js';
import type { DecodedResource } from './types.js';

/**
 * The decoded resources, or the reason the response cannot be used (sent back as a NACK). A delta
 * response's resources keep the name they were sent under (`names`, one per Any).
 */
export function decodeResources(typeUrl: string, anys: readonly Any[], names?: readonly string[]): DecodedResource[] | string {
  const out: DecodedResource[] = [];
  for (const [i, any] of anys.entries()) {
    if (any.typeUrl !== typeUrl) return `type URL ${any.typeUrl} embedded in an individual Any does not match the message-wide type URL ${typeUrl} in DiscoveryResponse`;
    let message;
    try {
      message = anyUnpack(any, registry);
    } catch (e) {
      return `unable to unpack as ${typeUrl}: ${(e as Error).message}`;
    }
    if (message === undefined) return `unknown resource type ${typeUrl}`;
    const m = message as unknown as { name?: unknown; clusterName?: unknown };
    const name = names?.[i] ?? (typeof m.name === 'string' && m.name !== '' ? m.name
      : typeof m.clusterName === 'string' ? m.clusterName : '');
    out.push({ name, message, any });
  }
  return out;
}
