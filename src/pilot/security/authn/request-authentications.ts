// Which RequestAuthentications reach a proxy, as istiod's GetJwtPoliciesForWorkload: the root
// namespace's (mesh-wide) and the proxy's namespace's, by workload selector or Gateway targetRef.
import type { RequestAuthenticationSpec } from '../../config/kinds/request-authentication.js';
import type { ConfigObject } from '../../config/object.js';
import type { ProxyScope } from '../../model/proxy-views.js';
import { policyApplies } from '../authz/policies.js';

export type RequestAuthentication = ConfigObject<RequestAuthenticationSpec>;

/** The RequestAuthentications for `proxy`, root namespace first, each in the given (config) order. */
export function requestAuthenticationsFor(all: readonly RequestAuthentication[], proxy: ProxyScope, rootNamespace: string): RequestAuthentication[] {
  const namespaces = proxy.namespace === rootNamespace ? [rootNamespace] : [rootNamespace, proxy.namespace];
  return namespaces.flatMap((ns) => all.filter((p) => (p.metadata.namespace ?? '') === ns && policyApplies(p, proxy)));
}
