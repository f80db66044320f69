// The table of resource kinds Strait's config model knows: group, served versions, scope.
// Lookups by kind and apiVersion; anything else is an unknown kind (reported, not validated).

/** One supported kind. */
export interface KindInfo {
  kind: string;
  group: string;
  versions: readonly string[];
  namespaced: boolean;
  /** Validated and kept, as Istio's apiserver would, but nothing in Strait acts on it. */
  notApplied?: true;
}

const NET = ['v1alpha3', 'v1beta1', 'v1'] as const;
const SEC = ['v1beta1', 'v1'] as const;

/** Every supported kind. */
export const KINDS: readonly KindInfo[] = [
  ...['Gateway', 'VirtualService', 'DestinationRule', 'ServiceEntry', 'WorkloadEntry', 'WorkloadGroup', 'Sidecar'].map(
    (kind) => ({ kind, group: 'networking.istio.io', versions: NET, namespaced: true })),
  ...['PeerAuthentication', 'AuthorizationPolicy', 'RequestAuthentication'].map(
    (kind) => ({ kind, group: 'security.istio.io', versions: SEC, namespaced: true })),
  { kind: 'ProxyConfig', group: 'networking.istio.io', versions: ['v1beta1'], namespaced: true, notApplied: true },
  { kind: 'EnvoyFilter', group: 'networking.istio.io', versions: ['v1alpha3'], namespaced: true, notApplied: true },
  { kind: 'WasmPlugin', group: 'extensions.istio.io', versions: ['v1alpha1'], namespaced: true, notApplied: true },
  { kind: 'Telemetry', group: 'telemetry.istio.io', versions: ['v1alpha1', 'v1'], namespaced: true },
  { kind: 'Namespace', group: '', versions: ['v1'], namespaced: false },
  ...['Service', 'Pod', 'ServiceAccount', 'Secret', 'ConfigMap'].map(
    (kind) => ({ kind, group: '', versions: ['v1'], namespaced: true })),
  { kind: 'Deployment', group: 'apps', versions: ['v1'], namespaced: true },
];

/** Finds the kind served at `apiVersion` (`group/version` or core `v1`); undefined when unknown. */
export function lookupKind(apiVersion: string, kind: string): KindInfo | undefined {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  return KINDS.find((k) => k.kind === kind && k.group === group && k.versions.includes(version));
}

/** The warning for an object of a kind Strait keeps without acting on it. */
export function notAppliedWarning(kind: string): string {
  return `${kind} has no effect in Strait: it is validated and kept, but nothing applies it`;
}

/** Finds a kind by name alone (kinds are unique by name in this table). */
export function kindByName(kind: string): KindInfo | undefined {
  return KINDS.find((k) => k.kind === kind);
}

/** The lower-case plural a Kubernetes API serves a kind under (virtualservices, authorizationpolicies). */
export function pluralOf(kind: string): string {
  const k = kind.toLowerCase();
  return k.endsWith('y') ? `${k.slice(0, -1)}ies` : `${k}s`;
}

/** The kind as the apiserver names it in errors: pods, deployments.apps, virtualservices.networking.istio.io. */
export function groupResourceOf(kind: string): string {
  const group = kindByName(kind)?.group ?? '';
  return group === '' ? pluralOf(kind) : `${pluralOf(kind)}.${group}`;
}
