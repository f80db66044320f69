// Where a running `strait up` mesh says what it runs: $STRAIT_HOME/mesh.json (default ~/.strait),
// read by the other commands (apply, chaos, proxy-config ...) to find the control API and the pods.
import { mkdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CliError } from '../../cli/cli-error.js';
import type { PublishedPort } from './gateway-ports.js';

/** One local pod: its sidecar (or gateway proxy) and its app. */
export interface PodState {
  name: string;
  namespace: string;
  /** The Deployment it belongs to. */
  deployment: string;
  labels: Record<string, string>;
  /** The pod's service account: its identity is spiffe://cluster.local/ns/<namespace>/sa/<serviceAccount>. */
  serviceAccount: string;
  /** 'sidecar' for injected workloads, 'router' for gateways, 'app' for a workload with no sidecar (not injected). */
  type: 'sidecar' | 'router' | 'app';
  /** The pod's loopback address: every proxy listener and the admin bind here. */
  podIp: string;
  /** Where the app listens (the inbound listener forwards here). */
  appAddress: string;
  /** The app's container ports (the app listens on appAddress:port). */
  appPorts: number[];
  /** The proxy's admin port (on podIp). */
  adminPort: number;
  /** The sidecar's explicit HTTP proxy port the app is given (HTTP_PROXY), 0 = none. */
  httpProxyPort: number;
  /** For an 'app' pod: host:port of the mesh's service proxy (its HTTP_PROXY: cluster DNS and kube-proxy's job). */
  serviceProxy?: string;
}

/** URLs of the observability addons running with the mesh (`strait up --addons`). */
export interface MeshAddonUrls {
  zipkin?: string;
  prometheus?: string;
}

/** The mesh.json document. */
export interface MeshState {
  pid: number;
  /** The control API of the `strait up` process (http://127.0.0.1:PORT). */
  controlUrl: string;
  xdsAddress: string;
  monitoringAddress: string;
  /** The directory pilot watches. */
  configDir: string;
  /** Where the ingress gateway's port 8080 is published (host:port). */
  ingressAddress: string;
  /** Every target port of the ingress gateway's Service and where it is published (the book's port-forwards). */
  ingressPorts: PublishedPort[];
  pods: PodState[];
  /** The dashboard's URL (src/dashboard), when it runs. */
  dashboard?: string;
  /** Empty when the mesh runs without addons. */
  addons: MeshAddonUrls;
}

/** $STRAIT_HOME, or ~/.strait. */
export function straitHome(): string {
  return process.env['STRAIT_HOME'] || join(homedir(), '.strait');
}

/** Where `strait up` keeps its config directory, bootstraps and logs. */
export function runDir(): string {
  return join(straitHome(), 'run');
}

/** A pod's log in `dir` (a run directory): its app's, or its proxy's (container istio-proxy). */
export function podLogFile(dir: string, pod: string, container: 'app' | 'istio-proxy'): string {
  return join(dir, 'logs', `${pod}${container === 'istio-proxy' ? '.istio-proxy' : ''}.log`);
}

export function stateFile(): string {
  return join(straitHome(), 'mesh.json');
}

/** The objects applied to the mesh, kept across `strait down` and `strait up` (applied-objects.ts). */
export function appliedObjectsFile(): string {
  return join(straitHome(), 'objects.yaml');
}

/** The lock of the `strait up` that owns the mesh (mesh-lock.ts). */
export function lockFile(): string {
  return join(straitHome(), 'mesh.lock');
}

/** The processes the running (or a killed) `strait up` started (child-ledger.ts). */
export function ledgerFile(): string {
  return join(straitHome(), 'mesh.pids');
}

export function writeMeshState(s: MeshState): void {
  mkdirSync(straitHome(), { recursive: true });
  const tmp = `${stateFile()}.tmp`;
  writeFileSync(tmp, JSON.stringify(s, null, 2));
  renameSync(tmp, stateFile());
}

export function removeMeshState(): void {
  rmSync(stateFile(), { force: true });
}

/** The running mesh's state; a CliError when no mesh is running. */
export function readMeshState(): MeshState {
  let text: string;
  try {
    text = readFileSync(stateFile(), 'utf8');
  } catch {
    throw new CliError('no local mesh is running (start one with `strait up`)');
  }
  const s = JSON.parse(text) as MeshState;
  try {
    process.kill(s.pid, 0);
  } catch {
    throw new CliError(`no local mesh is running (${stateFile()} names process ${s.pid}, which has exited; start one with \`strait up\`)`);
  }
  return s;
}

/** The HTTP_PROXY a pod's app (and `strait exec` in it) is given: its sidecar's, or the mesh's service proxy. */
export function httpProxyOf(pod: PodState): string | undefined {
  if (pod.type === 'app') return pod.serviceProxy ? `http://${pod.serviceProxy}` : undefined;
  return pod.httpProxyPort ? `http://${pod.podIp}:${pod.httpProxyPort}` : undefined;
}
