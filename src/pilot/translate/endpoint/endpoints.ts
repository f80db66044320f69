// EDS for one cluster, as istiod's EndpointBuilder: the service port's instances narrowed to the
// subset's labels, grouped by locality, with locality LB (priorities/weights) applied for the proxy.
import { isIP } from 'node:net';
import { create } from '@bufbuild/protobuf';
import { ClusterLoadAssignmentSchema, type ClusterLoadAssignment } from '../../../xds/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { EndpointsView } from '../../model/proxy-views.js';
import type { PushContext } from '../../model/push-context.js';
import { parseClusterName } from '../cluster/names.js';
import { policyFor } from '../cluster/policy-merge.js';
import { drTlsMode } from '../cluster/outbound.js';
import { localityGroups } from './lb-endpoints.js';
import { applyLocalityLoadBalancer, localityLbSettingFor } from './locality.js';

export interface EndpointBuildOptions { sendUnhealthyEndpoints?: boolean }

/** The assignment of an `outbound|<port>|<subset>|<host>` EDS cluster; undefined for other names or unknown hosts. */
export function buildEndpoints(push: PushContext, proxy: EndpointsView, clusterName: string,
  opts: EndpointBuildOptions = {}): ClusterLoadAssignment | undefined {
  const n = parseClusterName(clusterName);
  if (n === undefined || n.direction !== 'outbound') return undefined;
  const svc = push.serviceFor(proxy, n.host);
  if (svc === undefined) return create(ClusterLoadAssignmentSchema, { clusterName });
  // A DNS service's cluster is no longer an EDS cluster: nothing to send (as istiod).
  if (svc.resolution === 'DNS' || svc.resolution === 'DNSRoundRobin') return undefined;
  const dr = push.destinationRuleFor(proxy, svc.hostname)?.spec;
  let labels: Record<string, string> | undefined;
  if (n.subset !== '') {
    const subset = dr?.subsets?.find((s) => s.name === n.subset);
    // An unknown subset has no endpoints.
    if (subset === undefined) return create(ClusterLoadAssignmentSchema, { clusterName });
    labels = subset.labels ?? {};
  }
  const policy = policyFor(dr, n.port, n.subset);
  // Hostname endpoints (from ServiceEntries) cannot go over EDS; istiod leaves them out.
  const groups = localityGroups(push.instancesByPort(svc.hostname, n.port, labels).filter((i) => isIP(i.address) !== 0), {
    drTlsMode: drTlsMode(policy), peerAuthentication: push.peerAuthentication, sendUnhealthy: opts.sendUnhealthyEndpoints,
  });
  const cla = create(ClusterLoadAssignmentSchema, { clusterName, endpoints: groups.map((g) => g.endpoints) });
  applyLocalityLoadBalancer(cla, proxy.locality, localityLbSettingFor(policy?.loadBalancer?.localityLbSetting),
    policy?.outlierDetection !== undefined, groups.map((g) => g.instances), proxy.labels);
  return cla;
}
