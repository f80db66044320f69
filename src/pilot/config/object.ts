// The generic config object every Istio and Kubernetes resource is held as, plus where it came from.
// Specs stay `unknown` here; per-kind spec types live in the *-types.ts files of this folder.

/** Kubernetes-style object metadata, limited to the fields the mesh uses. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
}

/** Where a resource was read from: the file, the 1-based line of its document, and a lookup for any field path. */
export interface SourcePosition {
  file: string;
  line: number;
  /** Line of a field path such as `spec.http[0].route[0].weight`; falls back to the document line. */
  lineOf(path: string): number;
  /** The document (or List item) as read, every field of it: what the structural validation checks. */
  document?: Readonly<Record<string, unknown>>;
}

/** A config object: apiVersion/kind/metadata/spec, optionally with its source position. */
export interface ConfigObject<Spec = unknown> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: Spec;
  /** Kubernetes status, kept as given (a Pod's podIP and Ready condition). */
  status?: unknown;
  source?: SourcePosition;
}

/** Splits `group/version` (or a bare `v1` of the core group) into its parts. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}
