// A route's request_mirror_policies as compiled with its route action (router/route-action.ts): target cluster
// (or the header naming it), the runtime_fraction default (100% when unset) and the -shadow authority rule.
import type { RouteAction_RequestMirrorPolicy } from '../../../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import type { RequestHead } from '../../../http/headers.js';
import { portStart } from '../../../router/domain-index.js';
import { Fraction, RuntimeFraction } from '../fault/fractional-percent.js';

/** One compiled RequestMirrorPolicy. */
export class MirrorPolicy {
  constructor(
    /** The mirror cluster ('' when named by `clusterHeader`). */
    readonly cluster: string,
    /** Lower-case request header naming the cluster ('' when `cluster` is set). */
    readonly clusterHeader: string,
    readonly fraction: RuntimeFraction,
    readonly disableShadowHostSuffixAppend: boolean,
  ) {}

  /** The cluster to mirror to for this request, or '' (cluster_header absent or empty: no shadow). */
  clusterFor(head: RequestHead): string {
    if (this.cluster !== '') return this.cluster;
    return head.headers.get(this.clusterHeader) ?? '';
  }
}

const ALWAYS = new RuntimeFraction('', new Fraction(100, 100));

function compile(p: RouteAction_RequestMirrorPolicy): MirrorPolicy {
  // Envoy: no runtime_fraction means every request; its runtime_key, when set, overrides the default.
  const fraction = p.runtimeFraction === undefined ? ALWAYS : RuntimeFraction.of(p.runtimeFraction);
  return new MirrorPolicy(p.cluster, p.clusterHeader.toLowerCase(), fraction, p.disableShadowHostSuffixAppend);
}

/** Compiles a route action's mirror policies (checked already: one of cluster and cluster_header each). */
export function compileMirrorPolicies(list: readonly RouteAction_RequestMirrorPolicy[]): readonly MirrorPolicy[] {
  return list.length === 0 ? [] : list.map(compile);
}

/** Envoy's shadow authority: `host:port` becomes `host-shadow:port`, `host` becomes `host-shadow`. */
export function shadowAuthority(authority: string): string {
  const p = portStart(authority);
  return p < 0 ? `${authority}-shadow` : `${authority.slice(0, p)}-shadow${authority.slice(p)}`;
}
