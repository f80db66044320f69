// The proxy's dynamic config: one ADS client whose CDS, EDS, LDS and RDS (and, on a delta stream,
// VHDS) responses go to the cluster and listener managers; the server starts after the first CDS and LDS.
import { clone } from '@bufbuild/protobuf';
import { NodeSchema, type Node } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import { AdsClient, DeltaAdsClient, type AdsClientOptions, type XdsClient } from '../../xds/client/index.js';
import {
  CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE, VHDS_CLIENT_FEATURE, VIRTUAL_HOST_TYPE,
} from '../../xds/server/type-urls.js';
import { log } from '../log.js';
import type { StatsStore } from '../stats/store.js';
import type { ClusterManagerImpl } from '../upstream/cluster-manager.js';
import type { AdsSettings } from './ads-config.js';
import { CdsApplier } from './cds-applier.js';
import { EdsRegistry } from './eds-registry.js';
import { LdsApplier } from './lds-applier.js';
import { RdsRegistry } from './rds-registry.js';
import { VhdsHandler } from './vhds-handler.js';

/** Envoy's initial_fetch_timeout default: the server goes LIVE without a first response after this. */
const INITIAL_FETCH_TIMEOUT_MS = 15_000;

/** The node a delta stream sends: it says the proxy takes routes over VHDS. */
function withVhds(node: Node): Node {
  const n = clone(NodeSchema, node);
  if (!n.clientFeatures.includes(VHDS_CLIENT_FEATURE)) n.clientFeatures.push(VHDS_CLIENT_FEATURE);
  return n;
}

/** The running xDS side of one proxy. */
export class XdsRuntime {
  readonly eds = new EdsRegistry();
  readonly rds: RdsRegistry;
  cds: CdsApplier | null = null;
  lds: LdsApplier | null = null;
  readonly client: XdsClient;
  private clusterManager: ClusterManagerImpl | null = null;
  private readonly firstCds: Promise<void>;
  private readonly firstLds: Promise<void>;
  private cdsDone: () => void = () => {};
  private ldsDone: () => void = () => {};

  /** `node` is the local node as sent (overrides applied); `drainTimeMs` is --drain-time-s in ms. */
  constructor(readonly settings: AdsSettings, private readonly node: Node, private readonly stats: StatsStore,
    private readonly drainTimeMs: number) {
    this.rds = new RdsRegistry(() => [...(this.clusterManager?.clusters() ?? [])].map((c) => c.info.name), stats, settings.delta);
    const connected = stats.gauge('control_plane.connected_state', 'never');
    connected.set(0);
    const clientOptions: AdsClientOptions = {
      target: settings.target,
      node: settings.delta ? withVhds(node) : node,
      setNodeOnFirstMessageOnly: settings.setNodeOnFirstMessageOnly,
      initialMetadata: settings.initialMetadata,
      log: (level, m) => log('config', level, m),
      onConnectedChange: (up) => connected.set(up ? 1 : 0),
      onStreamFailure: () => {
        this.cds?.stats.updateFailure.inc();
        this.lds?.stats.updateFailure.inc();
        for (const p of this.rds.all()) p.stats?.updateFailure.inc();
      },
    };
    this.client = settings.delta ? new DeltaAdsClient(clientOptions) : new AdsClient(clientOptions);
    this.firstCds = settings.cds ? new Promise((r) => { this.cdsDone = r; }) : Promise.resolve();
    this.firstLds = settings.lds ? new Promise((r) => { this.ldsDone = r; }) : Promise.resolve();
    this.eds.onNamesChanged = (names) => this.client.setNames(ENDPOINT_TYPE, names);
    this.rds.onNamesChanged = (names) => this.client.setNames(ROUTE_TYPE, names);
    this.client.watch(ENDPOINT_TYPE, false, this.eds);
    this.client.watch(ROUTE_TYPE, false, this.rds);
    if (settings.delta) {
      this.rds.onVhdsNamesChanged = (names) => this.client.setNames(VIRTUAL_HOST_TYPE, names);
      this.client.watch(VIRTUAL_HOST_TYPE, false, new VhdsHandler(this.rds));
    }
  }

  /**
   * Opens the stream with CDS (and EDS/RDS as they are needed); as Envoy, LDS is asked for once
   * the first CDS response's clusters are warm. Resolves after the first LDS response, or after the
   * initial fetch timeout.
   */
  async start(cm: ClusterManagerImpl, staticListeners: readonly string[], staticRdsNames: readonly string[]): Promise<void> {
    this.clusterManager = cm;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, INITIAL_FETCH_TIMEOUT_MS);
      timer.unref();
    });
    const cds = this.settings.cds ? new CdsApplier(cm, this.stats) : null;
    this.cds = cds;
    if (cds !== null) {
      this.client.watch(CLUSTER_TYPE, true, { apply: (res, v) => {
        const r = cds.apply(res, v);
        this.cdsDone();
        return r;
      } });
    }
    this.rds.retain(staticRdsNames);
    log('config', 'info', `xDS: ${this.settings.delta ? 'delta ' : ''}ADS stream to ${this.settings.target} (cluster '${this.settings.clusterName}')`);
    this.client.start();
    await Promise.race([this.firstCds.then(() => cds?.warmed()), timeout]);
    if (this.settings.lds) {
      const lds = (this.lds = new LdsApplier({ clusterManager: cm, stats: this.stats, rds: this.rds, localNode: this.node,
        drainTimeMs: this.drainTimeMs, staticRdsNames, staticNames: new Set(staticListeners) }, staticListeners.length));
      this.client.watch(LISTENER_TYPE, true, { apply: (res, v) => {
        const r = lds.apply(res, v);
        this.ldsDone();
        return r;
      } });
    }
    await Promise.race([this.firstLds, timeout]);
    clearTimeout(timer);
  }

  /** Ends the stream and closes dynamic listeners. */
  async close(): Promise<void> {
    this.client.close();
    await this.lds?.close();
  }
}
