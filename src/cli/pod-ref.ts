// The one way every pod-taking command (logs, exec, describe, proxy-config, dashboard, proxy-status,
// x describe) names a pod, as kubectl and istioctl do: POD, POD.NS, pod/POD[.NS], deploy/NAME[.NS].
import { CliError } from './cli-error.js';
import type { MeshState, PodState } from '../mesh/local/state.js';

/** A parsed pod reference: a pod by name, or the first pod of a Deployment. */
export interface PodRef {
  kind: 'pod' | 'deployment';
  name: string;
  namespace: string;
}

const DEPLOY = new Set(['deploy', 'deployment', 'deployments', 'deployment.apps', 'deployments.apps']);
const POD = new Set(['po', 'pod', 'pods']);

/**
 * Parses `ref` as istioctl's `[TYPE/]NAME[.NAMESPACE]`: a namespace in the reference wins over `-n`, and
 * with neither the namespace is kubectl's `default`. An unknown TYPE is kubectl's error.
 */
export function parsePodRef(ref: string, namespace?: string): PodRef {
  const slash = ref.indexOf('/');
  const type = slash < 0 ? 'pod' : ref.slice(0, slash).toLowerCase();
  const rest = slash < 0 ? ref : ref.slice(slash + 1);
  if (!DEPLOY.has(type) && !POD.has(type)) throw new CliError(`error: the server doesn't have a resource type "${ref.slice(0, slash)}"`);
  if (rest === '') throw new CliError(`error: arguments in resource/name form must have a single resource and name`);
  const dot = rest.indexOf('.');
  const name = dot < 0 ? rest : rest.slice(0, dot);
  const ns = dot < 0 ? namespace ?? 'default' : rest.slice(dot + 1);
  return { kind: DEPLOY.has(type) ? 'deployment' : 'pod', name, namespace: ns };
}

/** The pod `ref` names in the running mesh; kubectl's NotFound error when there is none. */
export function resolvePod(state: MeshState, ref: string, namespace?: string): PodState {
  const r = parsePodRef(ref, namespace);
  const inNs = state.pods.filter((p) => p.namespace === r.namespace);
  const found = r.kind === 'deployment' ? inNs.find((p) => p.deployment === r.name) : inNs.find((p) => p.name === r.name);
  if (found) return found;
  const what = r.kind === 'deployment' ? `deployments.apps "${r.name}"` : `pods "${r.name}"`;
  throw new CliError(`Error from server (NotFound): ${what} not found`);
}

/** resolvePod, for commands that talk to the pod's proxy: an error for a pod that has none. */
export function resolveProxyPod(state: MeshState, ref: string, namespace?: string): PodState {
  const pod = resolvePod(state, ref, namespace);
  if (pod.type === 'app') throw new CliError(`Error: pod ${pod.name}.${pod.namespace} has no sidecar (not injected): container istio-proxy is not valid for pod ${pod.name}`);
  return pod;
}
