// Reads a ClusterLoadAssignment into endpoint specs (address, port, weight, priority, locality,
// EDS health, metadata), reporting config errors with their field paths.
import { isIP } from 'node:net';
import type { ClusterLoadAssignment } from '../../xds/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { PathError, PathSeg } from '../bootstrap/config-error.js';
import { healthFlagsFromEds, type HostSpec } from './host.js';

/** One endpoint of the assignment; for DNS clusters `address` is the name to resolve. */
export interface EndpointSpec extends HostSpec {
  /** Where it came from, for error messages. */
  readonly path: readonly PathSeg[];
}

/**
 * Flattens `cla` into endpoints. `requireIp` (STATIC, EDS) rejects names that are not IP
 * addresses with Envoy's message; errors are appended to `errors` with paths under `base`.
 */
export function endpointsOf(cla: ClusterLoadAssignment | undefined, base: readonly PathSeg[], requireIp: boolean,
  errors: PathError[]): EndpointSpec[] {
  const out: EndpointSpec[] = [];
  if (cla === undefined) return out;
  cla.endpoints.forEach((lle, i) => {
    const lpath = [...base, 'endpoints', i];
    const loc = lle.locality;
    const locality = { region: loc?.region ?? '', zone: loc?.zone ?? '', subZone: loc?.subZone ?? '' };
    lle.lbEndpoints.forEach((lbe, j) => {
      const epath: PathSeg[] = [...lpath, 'lb_endpoints', j];
      const hid = lbe.hostIdentifier;
      if (hid.case !== 'endpoint') {
        errors.push({ path: [...epath, 'endpoint_name'], message: 'named endpoints are not supported' });
        return;
      }
      const ep = hid.value;
      const apath = [...epath, 'endpoint', 'address'];
      const addr = ep.address?.address;
      if (addr?.case === 'pipe' && requireIp) {
        // A Unix socket (Istio's sds-grpc and xds-grpc clusters): port 0 marks a pipe host.
        out.push({ address: addr.value.path, port: 0, hostname: ep.hostname, weight: lbe.loadBalancingWeight ?? 1,
          priority: lle.priority, locality, localityWeight: lle.loadBalancingWeight ?? 0,
          healthFlags: healthFlagsFromEds(lbe.healthStatus), metadata: lbe.metadata, localityMetadata: lle.metadata, path: epath });
        return;
      }
      if (addr?.case !== 'socketAddress') {
        errors.push({ path: apath, message: addr?.case === undefined ? 'an endpoint address is required'
          : `only socket_address and pipe endpoints are supported (got ${addr.case === 'pipe' ? 'pipe' : 'envoy_internal_address'})` });
        return;
      }
      const sa = addr.value;
      const spath = [...apath, 'socket_address'];
      if (sa.portSpecifier.case !== 'portValue') {
        errors.push({ path: [...spath, 'named_port'], message: 'named ports are not supported; set port_value' });
        return;
      }
      if (requireIp && isIP(sa.address) === 0) {
        errors.push({ path: [...spath, 'address'], message: `malformed IP address: ${sa.address}. Consider setting `
          + `resolver_name or setting cluster type to 'STRICT_DNS' or 'LOGICAL_DNS'` });
        return;
      }
      out.push({
        address: sa.address,
        port: sa.portSpecifier.value,
        hostname: ep.hostname,
        weight: lbe.loadBalancingWeight ?? 1,
        priority: lle.priority,
        locality,
        localityWeight: lle.loadBalancingWeight ?? 0,
        healthFlags: healthFlagsFromEds(lbe.healthStatus),
        metadata: lbe.metadata,
        localityMetadata: lle.metadata,
        path: epath,
      });
    });
  });
  return out;
}
