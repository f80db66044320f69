// Manifests as the local runtime holds them: objects with namespaces filled in, and the
// Deployments among them turned into the pods to run (labels, image, ports, env, command).

/** Annotation naming the command that runs a workload whose image has no sample (JSON array or a shell line). */
export const COMMAND_ANNOTATION = 'strait.io/command';

/** A Kubernetes or Istio object, loosely typed. */
export interface Manifest {
  apiVersion?: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  [k: string]: unknown;
}

/** What one pod of a Deployment runs. */
export interface WorkloadSpec {
  deployment: string;
  namespace: string;
  replicas: number;
  /** The pod template's labels and annotations (sidecar.istio.io/inject ...). */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  serviceAccount: string;
  image: string;
  ports: number[];
  env: Record<string, string>;
  args: string[];
  /** The user's command (annotation), when the image is not one of the samples. */
  command?: string[];
}

/** Kinds that are namespaced in Kubernetes and Istio (the rest: Namespace ...). */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'MeshConfig']);

/** `o` with metadata.namespace set to `namespace` when it is namespaced and names none. */
export function withNamespace(o: Manifest, namespace: string): Manifest {
  if (CLUSTER_SCOPED.has(o.kind) || o.metadata.namespace) return o;
  return { ...o, metadata: { ...o.metadata, namespace } };
}

/** A stable key of an object: Kind/namespace/name. */
export function manifestKey(o: Manifest): string {
  return `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Json : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The workload of a Deployment (its first container), or undefined for other kinds. */
export function workloadOf(o: Manifest): WorkloadSpec | undefined {
  if (o.kind !== 'Deployment') return undefined;
  const spec = obj(o.spec);
  const template = obj(spec['template']);
  const podSpec = obj(template['spec']);
  const container = obj(arr(podSpec['containers'])[0]);
  const env: Record<string, string> = {};
  for (const e of arr(container['env']).map(obj)) {
    if (typeof e['name'] !== 'string') continue;
    if (typeof e['value'] === 'string') env[e['name']] = e['value'];
    else if (obj(obj(e['valueFrom'])['fieldRef'])['fieldPath'] === 'metadata.namespace') env[e['name']] = o.metadata.namespace ?? 'default';
  }
  const podAnnotations = obj(obj(template['metadata'])['annotations']) as Record<string, string>;
  const raw = { ...o.metadata.annotations, ...podAnnotations }[COMMAND_ANNOTATION];
  let command: string[] | undefined;
  if (raw !== undefined) command = raw.trim().startsWith('[') ? JSON.parse(raw) as string[] : ['/bin/sh', '-c', raw];
  return {
    deployment: o.metadata.name,
    namespace: o.metadata.namespace ?? 'default',
    replicas: typeof spec['replicas'] === 'number' ? spec['replicas'] : 1,
    labels: obj(obj(template['metadata'])['labels']) as Record<string, string>,
    annotations: podAnnotations,
    serviceAccount: typeof podSpec['serviceAccountName'] === 'string' ? podSpec['serviceAccountName'] : 'default',
    image: typeof container['image'] === 'string' ? container['image'] : '',
    ports: arr(container['ports']).map((p) => Number(obj(p)['containerPort'])).filter((p) => p > 0),
    env,
    args: arr(container['args']).map(String),
    command,
  };
}
