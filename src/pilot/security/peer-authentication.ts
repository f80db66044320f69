// PeerAuthentication as istiod resolves it (model.AuthenticationPolicies, authn.ComposePeerAuthentication):
// the mTLS mode of a workload and of each of its ports, and the namespace-level mode auto mTLS reads.
import type { ConfigObject } from '../config/object.js';
import type { PeerAuthenticationSpec, PeerMtlsMode } from '../config/kinds/peer-authentication.js';
import { selects } from '../registry/workload.js';

/** istiod's MutualTLSMode: UNKNOWN where no policy says anything. */
export type MtlsMode = 'UNKNOWN' | 'DISABLE' | 'PERMISSIVE' | 'STRICT';

/** The effective policy of one workload: its mode and the port-level overrides (by target port). */
export interface MergedPeerAuthentication {
  readonly mode: Exclude<MtlsMode, 'UNKNOWN'>;
  readonly perPort: ReadonlyMap<number, Exclude<MtlsMode, 'UNKNOWN'>>;
}

type PA = ConfigObject<PeerAuthenticationSpec>;

const PERMISSIVE_DEFAULT: MergedPeerAuthentication = { mode: 'PERMISSIVE', perPort: new Map() };

/** An explicit mode, or undefined for UNSET/absent (which inherits). */
function explicitMode(mode: PeerMtlsMode | undefined): Exclude<MtlsMode, 'UNKNOWN'> | undefined {
  return mode === 'DISABLE' || mode === 'PERMISSIVE' || mode === 'STRICT' ? mode : undefined;
}

/** Mesh and namespace policies have no selector labels. */
const isNamespaceLevel = (c: PA): boolean => Object.keys(c.spec.selector?.matchLabels ?? {}).length === 0;

/** The mode for a port: its port-level setting, else the workload's. */
export function mtlsModeForPort(p: MergedPeerAuthentication, port: number): Exclude<MtlsMode, 'UNKNOWN'> {
  return p.perPort.get(port) ?? p.mode;
}

/**
 * istiod's ComposePeerAuthentication over the policies that apply to one workload (in config order,
 * oldest first): the narrowest scope wins (workload > namespace > mesh), the oldest within a scope,
 * UNSET inherits from the scope above, and port-level UNSET takes the workload's resolved mode.
 * A selector policy in the root namespace is not a workload policy and is ignored. No policy: PERMISSIVE.
 */
export function composePeerAuthentication(rootNamespace: string, policies: readonly PA[]): MergedPeerAuthentication {
  let mesh: PA | undefined;
  let namespace: PA | undefined;
  let workload: PA | undefined;
  for (const c of policies) {
    if (isNamespaceLevel(c)) {
      if (c.metadata.namespace === rootNamespace) mesh ??= c;
      else namespace ??= c;
    } else if (c.metadata.namespace !== rootNamespace) {
      workload ??= c;
    }
  }
  let mode: Exclude<MtlsMode, 'UNKNOWN'> = 'PERMISSIVE';
  for (const c of [mesh, namespace, workload]) mode = explicitMode(c?.spec.mtls?.mode) ?? mode;
  const perPort = new Map<number, Exclude<MtlsMode, 'UNKNOWN'>>();
  for (const [port, m] of Object.entries(workload?.spec.portLevelMtls ?? {})) perPort.set(Number(port), explicitMode(m?.mode) ?? mode);
  return { mode, perPort };
}

/** The PeerAuthentications of one push, indexed by namespace (istiod's AuthenticationPolicies, peer half). */
export class PeerAuthenticationIndex {
  private readonly byNamespace = new Map<string, PA[]>();
  /** Namespace-level modes (UNSET resolved against the mesh), and the mesh's (UNKNOWN without a mesh policy). */
  private readonly namespaceModes = new Map<string, MtlsMode>();
  private readonly globalMode: MtlsMode = 'UNKNOWN';
  private readonly merged = new Map<string, MergedPeerAuthentication>();
  /** Changes whenever any policy does (istiod's AuthenticationPolicies.GetVersion): part of cached clusters' keys. */
  readonly version: string;

  /** `policies` in config order (oldest first); only the oldest mesh or namespace policy of a namespace counts. */
  constructor(policies: readonly PA[], private readonly rootNamespace: string) {
    this.version = JSON.stringify(policies.map((c) => [c.metadata.namespace, c.metadata.name, c.metadata.creationTimestamp, c.spec]));
    const seen = new Set<string>();
    const namespaceSettings = new Map<string, PeerMtlsMode | undefined>();
    for (const c of policies) {
      const ns = c.metadata.namespace ?? '';
      if (isNamespaceLevel(c)) {
        if (seen.has(ns)) continue;
        seen.add(ns);
        if (ns === rootNamespace) this.globalMode = explicitMode(c.spec.mtls?.mode) ?? 'PERMISSIVE';
        else namespaceSettings.set(ns, c.spec.mtls?.mode);
      }
      const list = this.byNamespace.get(ns);
      if (list) list.push(c);
      else this.byNamespace.set(ns, [c]);
    }
    const inherited = this.globalMode === 'UNKNOWN' ? 'PERMISSIVE' : this.globalMode;
    for (const [ns, mode] of namespaceSettings) this.namespaceModes.set(ns, explicitMode(mode) ?? inherited);
  }

  /** The effective policy of a workload in `namespace` with `labels` (memoized). */
  forWorkload(namespace: string, labels: Readonly<Record<string, string>>): MergedPeerAuthentication {
    if (this.byNamespace.size === 0) return PERMISSIVE_DEFAULT;
    const key = `${namespace}\n${Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',')}`;
    let m = this.merged.get(key);
    if (m === undefined) {
      const applicable = [...new Set([namespace, this.rootNamespace])].flatMap((ns) => this.byNamespace.get(ns) ?? [])
        .filter((c) => selects(c.spec.selector?.matchLabels ?? {}, labels));
      m = composePeerAuthentication(this.rootNamespace, applicable);
      this.merged.set(key, m);
    }
    return m;
  }

  /**
   * istiod's GetNamespaceMutualTLSMode: the namespace policy's mode, else the mesh policy's, else
   * UNKNOWN. Auto mTLS reads it as the best guess of a service's mode (workload policies aside).
   */
  namespaceMode(namespace: string): MtlsMode {
    return this.namespaceModes.get(namespace) ?? this.globalMode;
  }
}
