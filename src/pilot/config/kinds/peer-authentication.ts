// PeerAuthentication (security.istio.io v1beta1/v1) spec as its JSON shape (istio.io field names).

/** PeerAuthentication.MutualTLS.Mode; UNSET (or absent) inherits from the parent scope. */
export type PeerMtlsMode = 'UNSET' | 'DISABLE' | 'PERMISSIVE' | 'STRICT';

export interface PeerAuthenticationSpec {
  /** Workload selector; absent or without labels: the namespace (or, in the root namespace, the mesh). */
  selector?: { matchLabels?: Record<string, string> };
  mtls?: { mode?: PeerMtlsMode };
  /** By the workload's port (the target port, not the service port), as a string key in YAML. */
  portLevelMtls?: Record<string, { mode?: PeerMtlsMode } | null>;
}
