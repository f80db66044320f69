// The Node an xDS client sends: the bootstrap's node with --service-node / --service-cluster
// applied, user_agent_name "envoy" and the build version, as Envoy fills them in.
import { clone, create } from '@bufbuild/protobuf';
import { BuildVersionSchema, NodeSchema, type Node } from '../gen/envoy/config/core/v3/base_pb.js';

/** Command-line overrides of the node (Envoy's --service-node and --service-cluster). */
export interface NodeOverrides {
  serviceNode?: string;
  serviceCluster?: string;
  /** The proxy's version, `major.minor.patch` (the build version Envoy reports). */
  version: string;
}

/** A copy of the bootstrap node with the flags and user agent applied. */
export function clientNode(node: Node | undefined, o: NodeOverrides): Node {
  const n = node !== undefined ? clone(NodeSchema, node) : create(NodeSchema);
  if (o.serviceNode !== undefined && o.serviceNode !== '') n.id = o.serviceNode;
  if (o.serviceCluster !== undefined && o.serviceCluster !== '') n.cluster = o.serviceCluster;
  n.userAgentName = 'envoy';
  const [major, minor, patch] = o.version.split('.').map((x) => Number.parseInt(x, 10) || 0);
  n.userAgentVersionType = {
    case: 'userAgentBuildVersion',
    value: create(BuildVersionSchema, { version: { majorNumber: major ?? 0, minorNumber: minor ?? 0, patch: patch ?? 0 } }),
  };
  return n;
}
