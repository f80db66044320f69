// Inbound clusters `inbound|<targetPort>||` for the proxy's own instances. Deviation: STATIC to the app
// address, not Istio's ORIGINAL_DST bound to 127.0.0.6 (no iptables); only a DR's connectionPool applies.
import { Cluster_DiscoveryType, type Cluster } from '../../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import { create } from '@bufbuild/protobuf';
import { EndpointSchema, LbEndpointSchema, LocalityLbEndpointsSchema } from '../../../xds/gen/envoy/config/endpoint/v3/endpoint_components_pb.js';
import type { ConfigObject } from '../../config/object.js';
import type { DestinationRuleSpec } from '../../config/kinds/destination-rule.js';
import type { ListenersView, OwnPort } from '../../model/proxy-views.js';
import { isolated } from '../isolate.js';
import type { PushContext } from '../../model/push-context.js';
import type { Service } from '../../registry/model.js';
import { socketAddress } from '../endpoint/lb-endpoints.js';
import { baseCluster } from './base.js';
import { copyDraft, finish, type ClusterDraft } from './draft.js';
import { configPath, setIstioField } from './metadata.js';
import { inboundClusterName } from './names.js';
import { checkClusters } from './outbound.js';
import { portLevelPolicy } from './policy-merge.js';
import { applyTrafficPolicy } from './traffic-policy.js';

export function buildInboundClusters(push: PushContext, proxy: ListenersView): Cluster[] {
  const byPort = new Map<number, OwnPort[]>();
  for (const i of proxy.ownPorts) byPort.set(i.port, [...(byPort.get(i.port) ?? []), i]);
  const out: Cluster[] = [];
  for (const [targetPort, instances] of byPort) {
    const first = instances[0];
    const svc = push.serviceFor(proxy, first.hostname);
    const port = svc?.ports.find((p) => p.port === first.servicePort);
    if (svc === undefined || port === undefined) continue;
    // Telemetry metadata lists every service of the workload on this service port, once each.
    const services = new Map<string, Service>();
    for (const i of instances) {
      if (i.servicePort !== first.servicePort) continue;
      const s = push.serviceFor(proxy, i.hostname);
      if (s !== undefined && !services.has(s.hostname)) services.set(s.hostname, s);
    }
    const endpoints = [create(LocalityLbEndpointsSchema, {
      lbEndpoints: [create(LbEndpointSchema, {
        hostIdentifier: { case: 'endpoint', value: create(EndpointSchema, { address: socketAddress(proxy.appAddress, targetPort) }) },
      })],
    })];
    const d = baseCluster({
      name: inboundClusterName(targetPort), type: Cluster_DiscoveryType.STATIC, endpoints, port,
      // STATIC: no DNS lookups, so the IP family does not matter.
      proxy: { type: proxy.type, ipv6Only: false },
      services: svc.meshExternal ? [] : [...services.values()],
    });
    if (d === undefined) continue;
    const applied = (draft: ClusterDraft, drObj: ConfigObject<DestinationRuleSpec> | undefined): Cluster => {
      const policy = drObj?.spec.trafficPolicy !== undefined ? portLevelPolicy(drObj.spec.trafficPolicy, port.port).policy : undefined;
      if (drObj?.spec.trafficPolicy !== undefined) setIstioField(draft, 'config', configPath(drObj));
      applyTrafficPolicy(draft, policy, {
        mesh: push.mesh, port, inbound: true,
        tls: { serviceAccounts: [], sni: '', autoMtls: false, serviceMtlsMode: 'UNKNOWN', meshExternal: false, isRouter: false, drWithSelector: false },
      });
      return finish(draft);
    };
    const drObj = push.destinationRuleFor(proxy, svc.hostname);
    // A DestinationRule that cannot be applied is left out (recorded); the cluster is built without it.
    out.push(drObj === undefined ? applied(d, undefined)
      : isolated(push, drObj, () => [applied(copyDraft(d), drObj)], () => [applied(d, undefined)], checkClusters)[0]!);
  }
  return out;
}
