// The local mesh behind `strait up`: pilot and the mesh CA in this process over a config directory, gateways
// and one pod per Deployment replica (proxy + agent, and app processes on their own loopback addresses; a pod
// that Istio's injection rules leave without a sidecar runs its app alone, behind the namespace's service proxy).
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { DirectorySource } from '../../pilot/config/directory-source.js';
import { MemoryConfigStore } from '../../pilot/config/store.js';
import { groupResourceOf } from '../../pilot/config/kinds.js';
import { DiscoveryServer } from '../../pilot/server/discovery-server.js';
import { defaultTranslators } from '../../pilot/xds/default-translators.js';
import { defaultMeshConfig, type MeshConfig } from '../../pilot/model/mesh-config.js';
import { applyMeshConfig } from '../../pilot/model/mesh-config-input.js';
import { isMeshConfigMap, meshConfigOfMapData } from '../../pilot/model/mesh-config-map.js';
import { startCaServer, type CaServer } from '../../pilot/ca/ca-server.js';
import { MeshCa } from '../../pilot/ca/mesh-ca.js';
import type { WorkloadIdentity } from '../../pilot/ca/spiffe.js';
import { AddressPool } from './addresses.js';
import { pluggedInCa } from './cacerts.js';
import type { ChildLedger } from './child-ledger.js';
import { MeshDashboard } from '../../dashboard/mesh-dashboard.js';
import { MeshAddons } from './addons/addons.js';
import { ZIPKIN_PORT } from './addons/zipkin.js';
import { EGRESS_GATEWAY, INGRESS_GATEWAY, type GatewaySpec } from './gateways.js';
import { sidecarInjected } from './injection.js';
import { ADMIN_PORT, HTTP_PROXY_PORT, LocalPod, type PodPaths } from './pod.js';
import type { PortForward } from './port-forward.js';
import { GATEWAY_HTTP_PORT, publishGatewayPorts, type PublishedPort } from './gateway-ports.js';
import { serviceEndpoints } from './service-endpoints.js';
import { startServiceProxy, type ServiceProxy } from './service-proxy.js';
import type { Profile } from './profiles.js';
import type { MeshState, PodState } from './state.js';
import { manifestKey, workloadOf, type Manifest, type WorkloadSpec } from './workloads.js';

export interface LocalMeshOptions {
  runDir: string;
  /** Where the mesh CA's self-signed root is kept across runs ($STRAIT_HOME/ca). */
  caDir: string;
  /** The CA's gRPC port (Istio's 15012); 0 picks one. */
  caPort: number;
  paths: Omit<PodPaths, 'runDir'>;
  xdsPort: number;
  monitoringPort: number;
  /** The dashboard's port on 127.0.0.1 (Kiali's 20001 by default); 0 picks one. */
  dashboardPort: number;
  /** Where the ingress gateway's 8080 is published (the book's port-forward); port 0 picks one. */
  ingressHost: string;
  ingressPort: number;
  version: string;
  /** Which gateways run (Istio's install profile). */
  profile: Profile;
  /** `strait install --set meshConfig.*`: applied over the profile's mesh config; the istio ConfigMap applies over both. */
  meshConfig: Partial<MeshConfig>;
  /** The second octet of the pods' loopback addresses (addresses.ts). */
  podNetwork: number;
  /** Whether the observability addons (zipkin, Prometheus) run too. */
  addons: boolean;
  /** Where every child process (proxies, apps, Prometheus) is recorded as it starts. */
  ledger: ChildLedger;
  log: (level: string, msg: string) => void;
  progress: (msg: string) => void;
}

/**
 * How long a proxy may take to be ready at startup. A proxy that exits or cannot bind a listener fails
 * at once; this bounds one that never gets its config (2 s on an idle machine, far more on a busy one).
 */
const PROXY_READY_MS = 60_000;

/** What apply/delete did to each object, in kubectl's words ("deployment.apps/catalog created"). */
export type ChangeLine = string;

const kindRef = (o: Manifest): string => {
  const group = o.apiVersion?.includes('/') ? o.apiVersion.slice(0, o.apiVersion.indexOf('/')) : '';
  return `${o.kind.toLowerCase()}${group ? `.${group}` : ''}/${o.metadata.name}`;
};

export class LocalMesh {
  private readonly store = new MemoryConfigStore();
  private readonly addresses: AddressPool;
  private readonly objects = new Map<string, Manifest>();
  /** The keys of the objects the mesh installs itself (the gateways' Services), not the user's. */
  private readonly installed = new Set<string>();
  private readonly pods = new Map<string, LocalPod[]>();
  private readonly podTokens = new Map<string, string>();
  private source?: DirectorySource;
  private pilot?: DiscoveryServer;
  private caServer?: CaServer;
  /** What each pod's agent gets its certificate with: the CA's address, the root, and per-pod tokens. */
  private security?: { caAddress: string; rootCertFile: string; tokens: Map<string, WorkloadIdentity> };
  private forwards: PortForward[] = [];
  /** The ingress gateway's ports published on ingressHost (gateway-ports.ts). */
  private published: PublishedPort[] = [];
  /** The service proxy of each namespace with pods that have no sidecar (started with the first one). */
  private readonly serviceProxies = new Map<string, Promise<ServiceProxy>>();
  private addons?: MeshAddons;
  private dashboard?: MeshDashboard;
  /** Settles when the addons have started (or failed to): stop waits for it, not to leave Prometheus behind. */
  private addonsStarted?: Promise<void>;
  /** The collector's address when the addons run (allocated first: every proxy's bootstrap names it). */
  private zipkinIp?: string;
  readonly configDir: string;

  constructor(private readonly o: LocalMeshOptions) {
    this.configDir = join(o.runDir, 'config');
    this.addresses = new AddressPool(o.podNetwork);
  }

  /** Starts pilot and the gateways, then applies `manifests`; resolves when every proxy is ready. */
  async start(manifests: Manifest[]): Promise<void> {
    rmSync(this.configDir, { recursive: true, force: true });
    for (const d of ['config', 'logs', 'pods']) mkdirSync(join(this.o.runDir, d), { recursive: true });
    this.source = new DirectorySource(this.configDir, this.store, {
      onProblem: (m) => this.o.log('warn', `config: ${m}`), onRejected: (o) => this.pilot?.recordRejectedConfig(o),
    });
    this.pilot = new DiscoveryServer({
      source: this.store, translators: defaultTranslators, mesh: this.baseMesh(),
      xdsHost: '127.0.0.1', xdsPort: this.o.xdsPort, monitoringHost: '127.0.0.1', monitoringPort: this.o.monitoringPort,
      debounceAfterMs: 20, debounceMaxMs: 1000, version: this.o.version, log: this.o.log,
    });
    this.source.start();
    await this.pilot.start();
    this.o.progress(`control plane (strait pilot) xDS 127.0.0.1:${this.pilot.xdsPort}, monitoring 127.0.0.1:${this.pilot.monitoringPort}`);
    await this.startCa(manifests);
    this.dashboard = await MeshDashboard.start({ port: this.o.dashboardPort, proxies: () => this.podStates(),
      pilotMonitoring: `127.0.0.1:${this.pilot.monitoringPort}`,
      config: () => this.store.all(), configDir: this.configDir, collectorUrl: () => this.addons?.urls.zipkin,
      prometheusUrl: () => this.addons?.urls.prometheus });
    this.o.progress(`dashboard on ${this.dashboard.url} (graph, golden signals, traces, Istio config, proxies)`);
    this.addonsStarted = this.o.addons ? this.startAddons() : undefined;
    const wanted = [this.o.profile.ingress ? INGRESS_GATEWAY : undefined, this.o.profile.egress ? EGRESS_GATEWAY : undefined];
    const gateways = wanted.filter((g) => g !== undefined).map((g) => this.startGateway(g));
    const { pods } = this.applyObjects(manifests);
    await Promise.all([this.addonsStarted, ...[...gateways, ...pods].map(async (p) => {
      await p.ready(PROXY_READY_MS);
      this.o.progress(`${p.state.type === 'router' ? 'gateway' : 'pod'} ${p.state.name}.${p.state.namespace} ready on ${p.state.podIp}`);
    })]);
    const ingress = this.o.profile.ingress ? gateways[0]!.state : undefined;
    if (ingress) ({ forwards: this.forwards, published: this.published } = await publishGatewayPorts(INGRESS_GATEWAY.service, ingress.podIp, this.o.ingressHost, this.o.ingressPort));
  }

  /** The mesh config before any istio ConfigMap: Istio's defaults, the profile's, then the install's --set meshConfig.*. */
  private baseMesh(): MeshConfig {
    return applyMeshConfig({
      ...defaultMeshConfig(), enableAutoMtls: true, workloadSds: true, tracingSampling: this.o.profile.traceSampling,
      accessLogFile: this.o.profile.accessLogFile,
    }, this.o.meshConfig);
  }

  /** The istio ConfigMap of istio-system changed (`data` undefined: deleted): pilot runs its mesh config (a full push). */
  private meshConfigMapChanged(data: unknown): void {
    const { overrides, errors } = meshConfigOfMapData(data);
    // Admission refused a map with errors; one that gets here anyway (a bad --set file) keeps the mesh as it is.
    if (errors.length > 0) {
      this.o.log('warn', `configmap istio-system/istio: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
      return;
    }
    this.pilot?.setMesh(applyMeshConfig(this.baseMesh(), overrides));
  }

  /** Opens the mesh CA (the cacerts Secret of istio-system, else the self-signed root in caDir) and serves it. */
  private async startCa(manifests: Manifest[]): Promise<void> {
    const cacerts = pluggedInCa(manifests);
    const ca = await MeshCa.open({ dir: this.o.caDir, ...(cacerts ? { pluggedIn: cacerts } : {}) });
    const tokens = new Map<string, WorkloadIdentity>();
    this.caServer = await startCaServer({ ca, host: '127.0.0.1', port: this.o.caPort, authenticate: (t) => tokens.get(t) });
    // Istio's istio-ca-root-cert ConfigMap: the root every pod's agent trusts the CA with.
    const rootCertFile = join(this.o.runDir, 'pods', 'root-cert.pem');
    writeFileSync(rootCertFile, ca.rootPem);
    this.security = { caAddress: `127.0.0.1:${this.caServer.port}`, rootCertFile, tokens };
    this.o.progress(`certificate authority 127.0.0.1:${this.caServer.port} (${ca.source === 'cacerts' ? 'plugged-in CA from istio-system/cacerts' : 'self-signed root'})`);
  }

  /** host:port of the published ingress gateway, '' when the profile has none. */
  get ingressAddress(): string { return this.published.find((p) => p.targetPort === GATEWAY_HTTP_PORT)?.address ?? ''; }

  /** Every published port of the ingress gateway, [] when the profile has none. */
  get ingressPorts(): PublishedPort[] { return this.published; }

  state(pid: number, controlUrl: string): MeshState {
    return {
      pid, controlUrl, xdsAddress: `127.0.0.1:${this.pilot?.xdsPort}`, monitoringAddress: `127.0.0.1:${this.pilot?.monitoringPort}`,
      configDir: this.configDir, ingressAddress: this.ingressAddress, ingressPorts: this.published,
      pods: this.podStates(), addons: this.addons?.urls ?? {}, ...(this.dashboard ? { dashboard: this.dashboard.url } : {}),
    };
  }

  /** Applies objects; new or changed Deployments get their pods (started, not awaited). */
  applyObjects(objects: Manifest[]): { lines: ChangeLine[]; warnings: string[]; pods: LocalPod[] } {
    const lines: ChangeLine[] = [];
    const warnings: string[] = [];
    const pods: LocalPod[] = [];
    // Namespaces first: their labels decide the injection of the pods the same input creates in them.
    const namespacesFirst = [...objects.filter((o) => o.kind === 'Namespace'), ...objects.filter((o) => o.kind !== 'Namespace')];
    for (const o of namespacesFirst) {
      const key = manifestKey(o);
      const old = this.objects.get(key);
      const same = old !== undefined && JSON.stringify(old) === JSON.stringify(o);
      lines.push(`${kindRef(o)} ${old === undefined ? 'created' : same ? 'unchanged' : 'configured'}`);
      if (same) continue;
      this.objects.set(key, o);
      if (isMeshConfigMap(o)) this.meshConfigMapChanged((o as { data?: unknown }).data ?? {});
      this.installed.delete(key);
      const w = workloadOf(o);
      // Pilot sees a Deployment's pods as the Pod objects written here, not the Deployment itself
      // (from which its registry would make up pods of its own).
      if (!w) this.writeObject(key, o);
      if (!w) continue;
      if (old) void this.stopPods(key);
      if (!LocalPod.runnable(w)) {
        warnings.push(`Warning: deployment ${w.namespace}/${w.deployment}: image "${w.image}" is not one of the samples; ` +
          `annotate it with strait.io/command to run a command in its place`);
        continue;
      }
      const started = Array.from({ length: w.replicas }, () => this.startPod(key, w));
      pods.push(...started);
    }
    this.source?.rescan();
    return { lines, warnings, pods };
  }

  /** Deletes objects (and a Deployment's pods) read from `source`. */
  async deleteObjects(objects: Manifest[], source: string): Promise<{ lines: ChangeLine[]; errors: string[] }> {
    const lines: ChangeLine[] = [];
    const errors: string[] = [];
    for (const o of objects) {
      const key = manifestKey(o);
      if (!this.objects.delete(key)) {
        errors.push(`Error from server (NotFound): error when deleting "${source}": ${groupResourceOf(o.kind)} "${o.metadata.name}" not found`);
        continue;
      }
      rmSync(this.objectFile(key), { force: true });
      if (isMeshConfigMap(o)) this.meshConfigMapChanged(undefined);
      await this.stopPods(key);
      lines.push(`${kindRef(o)} deleted`);
    }
    this.source?.rescan();
    return { lines, errors };
  }

  /** The objects applied so far (Pods are the runtime's own and not listed here). */
  list(): Manifest[] {
    return [...this.objects.values()];
  }

  /** The objects the user applied (what `strait up` applies again after `strait down`). */
  applied(): Manifest[] {
    return this.list().filter((o) => !this.installed.has(manifestKey(o)));
  }

  async stop(): Promise<void> {
    await Promise.all(this.forwards.map((f) => f.close()));
    await Promise.all([...this.serviceProxies.values()].map(async (p) => (await p.catch(() => undefined))?.close()));
    await this.dashboard?.stop();
    await this.addonsStarted?.catch(() => undefined);
    await this.addons?.stop();
    this.addons = undefined;
    await Promise.all([...this.pods.keys()].map((k) => this.stopPods(k)));
    this.source?.close();
    await this.caServer?.close();
    await this.pilot?.close();
  }

  private podStates(): PodState[] {
    return [...this.pods.values()].flat().map((p) => p.state);
  }

  /** Starts the addons (beside the first pods), the collector on an address of its own; pilot sees it through its Service and Pod. */
  private async startAddons(): Promise<void> {
    this.zipkinIp = this.addresses.allocate().podIp;
    const addons = await MeshAddons.start({
      runDir: this.o.runDir, zipkinIp: this.zipkinIp, pilotMonitoring: `127.0.0.1:${this.pilot!.monitoringPort}`,
      pods: this.podStates(), ledger: this.o.ledger, progress: this.o.progress, log: this.o.log,
    });
    this.addons = addons;
    addons.podsChanged(this.podStates());
    for (const o of addons.objects) this.writeObject(manifestKey(o), o);
    this.source?.rescan();
  }

  private objectFile(key: string): string {
    return join(this.configDir, `${key.replace(/\//g, '.')}.yaml`);
  }

  /** Writes an object where pilot reads it; apply and delete rescan the directory at the end (not relying on file events). */
  private writeObject(key: string, o: Manifest): void {
    const tmp = join(this.o.runDir, 'pods', '.object.tmp');
    writeFileSync(tmp, stringify(o));
    renameSync(tmp, this.objectFile(key));
  }

  private startGateway(g: GatewaySpec): LocalPod {
    this.objects.set(manifestKey(g.service), g.service);
    this.installed.add(manifestKey(g.service));
    this.writeObject(manifestKey(g.service), g.service);
    return this.startPod(`Deployment/istio-system/${g.deployment}`, undefined, g);
  }

  /** The labels of a namespace: its Namespace object's (none when no object declares it, as Kubernetes' default). */
  private namespaceLabels(namespace: string): Record<string, string> {
    return this.objects.get(`Namespace//${namespace}`)?.metadata.labels ?? {};
  }

  private startPod(ownerKey: string, w: WorkloadSpec | undefined, g?: GatewaySpec): LocalPod {
    const { podIp, appAddress } = this.addresses.allocate();
    const deployment = w?.deployment ?? g!.deployment;
    const injected = w === undefined || sidecarInjected(this.namespaceLabels(w.namespace), w.labels, w.annotations);
    // The injector's label: endpoints with it get auto mTLS from clients.
    const labels = w ? (injected ? { ...w.labels, 'security.istio.io/tlsMode': 'istio' } : w.labels) : g!.labels;
    const type = w ? (injected ? 'sidecar' : 'app') : 'router';
    const state: PodState = {
      name: `${deployment}-${randomBytes(4).toString('hex').slice(0, 5)}`, namespace: w?.namespace ?? 'istio-system',
      deployment, labels, serviceAccount: w?.serviceAccount ?? `${deployment}-service-account`,
      // A pod with no sidecar: its app on the pod's address, as a Kubernetes pod's container.
      type, podIp, appAddress: type === 'app' ? podIp : appAddress,
      appPorts: w?.ports ?? [], adminPort: type === 'app' ? 0 : ADMIN_PORT, httpProxyPort: type === 'sidecar' ? HTTP_PROXY_PORT : 0,
    };
    const pod = new LocalPod(state, w, { ...this.o.paths, runDir: this.o.runDir }, { host: '127.0.0.1', port: this.pilot!.xdsPort },
      this.o.ledger, type === 'app' ? { serviceProxy: this.serviceProxyFor(state.namespace) } : {
        ...(this.zipkinIp ? { zipkin: { host: this.zipkinIp, port: ZIPKIN_PORT } } : {}),
        ...(this.security ? { security: { ...this.security, token: this.issueToken(state) } } : {}) });
    this.pods.set(ownerKey, [...this.pods.get(ownerKey) ?? [], pod]);
    const podObject: Manifest = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: state.name, namespace: state.namespace, labels: state.labels },
      spec: { serviceAccountName: state.serviceAccount,
        containers: [{ name: w ? deployment : 'istio-proxy', image: w?.image ?? 'istio/proxyv2',
          ports: (w?.ports ?? [8080, 8443]).map((p) => ({ containerPort: p })) }] },
      status: { podIP: podIp, phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
    };
    this.writeObject(`Pod/${state.namespace}/${state.name}`, podObject);
    void pod.start();
    this.addons?.podsChanged(this.podStates());
    return pod;
  }

  /** host:port of the service proxy of `namespace`'s pods with no sidecar (started on first use, on 127.0.0.1). */
  private serviceProxyFor(namespace: string): Promise<string> {
    let proxy = this.serviceProxies.get(namespace);
    if (!proxy) {
      proxy = startServiceProxy({ host: '127.0.0.1', namespace, resolve: (ns, host, port) =>
        serviceEndpoints((n, name) => this.objects.get(`Service/${n}/${name}`), this.podStates(), ns, host, port) });
      this.serviceProxies.set(namespace, proxy);
    }
    return proxy.then((p) => p.address);
  }

  /**
   * kubectl's `label namespace NAME key=value|key- ...`: changes the Namespace's labels (the object is made for a namespace
   * that has objects but no Namespace of its own). As in Kubernetes, pods already running keep what they were given.
   */
  labelNamespace(name: string, changes: readonly string[], overwrite: boolean): { lines: ChangeLine[]; errors: string[] } {
    const key = `Namespace//${name}`;
    const known = this.objects.has(key) || name === 'default' || name === 'istio-system' ||
      [...this.objects.values()].some((o) => o.metadata.namespace === name);
    if (!known) return { lines: [], errors: [`Error from server (NotFound): namespaces "${name}" not found`] };
    const old = this.objects.get(key) ?? { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
    const labels = { ...old.metadata.labels };
    for (const c of changes) {
      const m = /^([A-Za-z0-9][-A-Za-z0-9_./]{0,252})(?:=([-A-Za-z0-9_.]{0,63})|(-))$/.exec(c);
      if (!m) return { lines: [], errors: [`error: invalid label spec: ${c}`] };
      const [, k, v, remove] = m as unknown as [string, string, string | undefined, string | undefined];
      if (remove) { delete labels[k]; continue; }
      if (labels[k] !== undefined && !overwrite) { // kubectl: even for the same value
        return { lines: [], errors: [`error: '${k}' already has a value (${labels[k]}), and --overwrite is false`] };
      }
      labels[k] = v!;
    }
    if (JSON.stringify(labels) === JSON.stringify(old.metadata.labels ?? {})) return { lines: [`namespace/${name} not labeled`], errors: [] };
    const updated: Manifest = { ...old, metadata: { ...old.metadata, labels } };
    this.objects.set(key, updated);
    this.writeObject(key, updated);
    this.source?.rescan();
    return { lines: [`namespace/${name} labeled`], errors: [] };
  }

  /** A new token for a pod's agent, proving the pod's service account to the CA (Istio: its projected token). */
  private issueToken(s: PodState): string {
    const token = randomBytes(24).toString('base64url');
    this.security!.tokens.set(token, { namespace: s.namespace, serviceAccount: s.serviceAccount });
    this.podTokens.set(s.name, token);
    return token;
  }

  private async stopPods(ownerKey: string): Promise<void> {
    const pods = this.pods.get(ownerKey) ?? [];
    this.pods.delete(ownerKey);
    for (const p of pods) {
      const token = this.podTokens.get(p.state.name);
      if (token !== undefined) this.security?.tokens.delete(token);
      this.podTokens.delete(p.state.name);
    }
    for (const p of pods) rmSync(this.objectFile(`Pod/${p.state.namespace}/${p.state.name}`), { force: true });
    this.addons?.podsChanged(this.podStates());
    await Promise.all(pods.map((p) => p.stop()));
  }
}
