// A route's request_mirror_policies compiled once per route action: target cluster (or the header
// naming it), the runtime_fraction default (100% when unset) and the -shadow authority rule.
import type { RouteAction_RequestMirrorPolicy } from '../../../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import type { RequestHead } from '../../../http/headers.js';
import type { ForwardAction } from '../../../router/types.js';
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

const byAction = new WeakMap<ForwardAction, readonly MirrorPolicy[]>();

/** The compiled mirror policies of a route action (route tables are immutable: compiled once). */
export function mirrorPoliciesOf(action: ForwardAction): readonly MirrorPolicy[] {
  let list = byAction.get(action);
  if (list === undefined) {
    list = action.requestMirrorPolicies.map(compile);
    byAction.set(action, list);
  }
  return list;
}

/** Envoy's shadow authority: `host:port` becomes `host-shadow:port`, `host` becomes `host-shadow`. */
export function shadowAuthority(authority: string): string {
  const p = portStart(authority);
  return p < 0 ? `${authority}-shadow` : `${authority.slice(0, p)}-shadow${authority.slice(p)}`;
}
