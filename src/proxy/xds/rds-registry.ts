// RDS over ADS: one provider per route_config_name, shared by every HCM that names it. A new
// RouteConfiguration is checked and compiled first, then swapped in at once; streams keep theirs.
// One that names VHDS is completed by the virtual hosts VHDS sends for it (vhds-handler.ts).
import { equals } from '@bufbuild/protobuf';
import type { VirtualHost } from '../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import type { RouteConfiguration } from '../../xds/gen/envoy/config/route/v3/route_pb.js';
import { RouteConfigurationSchema } from '../../xds/gen/envoy/config/route/v3/route_pb.js';
import type { DecodedResource, ResourceHandler } from '../../xds/client/index.js';
import { checkRouteConfigSemantics } from '../bootstrap/semantic-checks.js';
import type { RouteConfigProvider } from '../http/conn-manager/config.js';
import type { RdsRequest } from '../http/conn-manager/hcm-factory.js';
import type { StatsStore } from '../stats/store.js';
import { listenerFail } from '../listener/errors.js';
import { compileRouteConfig, type CompiledRouteConfig } from '../router/index.js';
import { duplicateName, type DynamicRecord } from './records.js';
import { formatErrors, schemaErrors } from './validation.js';
import { RdsStats, VhdsStats } from './xds-stats.js';

/** The route table of one route_config_name: null until the first one arrives. */
export class RdsProvider implements RouteConfigProvider {
  private table: CompiledRouteConfig | null = null;
  /** The table in use as the proxy holds it (with its VHDS virtual hosts merged in, as Envoy's config dump). */
  record: DynamicRecord<RouteConfiguration> | null = null;
  /** The last route configuration RDS sent and we accepted (or are completing over VHDS). */
  received: RouteConfiguration | null = null;
  /** The virtual hosts VHDS sent for this route configuration; null until VHDS answered for it. */
  vhosts: readonly VirtualHost[] | null = null;
  /** http.<stat_prefix>.rds.<name>.* once an HCM uses it. */
  stats: RdsStats | undefined;
  /** http.<stat_prefix>.vhds.<name>.* once an HCM uses it. */
  vhdsStats: VhdsStats | undefined;
  private readonly readyWaiters: (() => void)[] = [];

  constructor(readonly name: string) {}

  current(): CompiledRouteConfig | null {
    return this.table;
  }

  /** Resolves once the first response for this name was handled (at once if a table is in). */
  ready(): Promise<void> {
    if (this.table !== null) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  swap(table: CompiledRouteConfig, record: DynamicRecord<RouteConfiguration>): void {
    this.table = table;
    this.record = record;
    this.release();
  }

  /** A first response came, even a rejected one: as Envoy's RDS init target, warming is over. */
  release(): void {
    for (const w of this.readyWaiters.splice(0)) w();
  }
}

/** Every RDS route table of the proxy. */
export class RdsRegistry implements ResourceHandler {
  private readonly providers = new Map<string, RdsProvider>();
  /** Called when the set of names to subscribe to may have changed. */
  onNamesChanged: (names: string[]) => void = () => {};
  /** Called when the route configurations completed over VHDS may have changed (the VHDS subscription). */
  onVhdsNamesChanged: (names: string[]) => void = () => {};

  /**
   * @param clusterNames the clusters known now, for validate_clusters.
   * @param vhds whether VHDS can be had (an ADS stream in delta mode).
   */
  constructor(private readonly clusterNames: () => Iterable<string>, private readonly store: StatsStore, private readonly vhds = false) {}

  /** The provider for an HCM's `rds`: only ADS config sources are supported (a ListenerConfigError otherwise). */
  forHcm(req: RdsRequest): RdsProvider {
    if (req.source?.configSourceSpecifier.case !== 'ads') {
      listenerFail(`${req.at}.config_source`, 'only ads: {} config sources are supported for RDS by Strait');
    }
    const p = this.provider(req.name);
    // As Envoy, the subscription's stats live under the first HCM that asked for it.
    p.stats ??= new RdsStats(this.store, `http.${req.statPrefix}.rds.${req.name}`);
    p.vhdsStats ??= new VhdsStats(this.store, `http.${req.statPrefix}.vhds.${req.name}`);
    return p;
  }

  /** The provider of `name` (made on first use). */
  provider(name: string): RdsProvider {
    let p = this.providers.get(name);
    if (p === undefined) this.providers.set(name, (p = new RdsProvider(name)));
    return p;
  }

  /** Keeps only the providers still named by some listener, and subscribes to exactly those. */
  retain(names: Iterable<string>): void {
    const keep = new Set(names);
    for (const n of [...this.providers.keys()]) if (!keep.has(n)) this.providers.delete(n);
    for (const n of keep) this.provider(n);
    this.onNamesChanged([...keep]);
    this.vhdsChanged();
  }

  /** Subscribes VHDS to exactly the route configurations that name it. */
  private vhdsChanged(): void {
    if (this.vhds) this.onVhdsNamesChanged(this.vhdsProviders().map((p) => p.name));
  }

  /** Providers that have a table (for config_dump). */
  all(): RdsProvider[] {
    return [...this.providers.values()];
  }

  /** The compiled table, or why the route configuration is rejected. */
  private compile(rc: RouteConfiguration): CompiledRouteConfig | string {
    const errors = [...schemaErrors(RouteConfigurationSchema, rc), ...checkRouteConfigSemantics(rc, this.clusterNames())];
    if (errors.length > 0) return formatErrors(errors);
    try {
      // VHDS was read by the registry: the table is made of what it merged.
      return compileRouteConfig({ ...rc, vhds: undefined }, { fieldPath: '', stats: this.store });
    } catch (e) {
      return (e as Error).message;
    }
  }

  /** Why a route configuration's `vhds` cannot be used, or null. */
  private vhdsError(rc: RouteConfiguration): string | null {
    if (rc.vhds === undefined) return null;
    // Envoy's words: VHDS rides a delta stream.
    if (!this.vhds) return 'vhds: ADS must use DELTA_GRPC api_type when used as VHDS config source.';
    if (rc.vhds.configSource?.configSourceSpecifier.case !== 'ads') return 'vhds.config_source: only ads: {} config sources are supported for VHDS by Strait';
    return null;
  }

  /**
   * Compiles `p`'s route configuration with its VHDS virtual hosts merged in (after those RDS sent)
   * and swaps it in; the error if it is rejected.
   */
  completeWithVhosts(p: RdsProvider, vhosts: readonly VirtualHost[], version: string): string | null {
    const rc = p.received!;
    const merged = { ...rc, virtualHosts: [...rc.virtualHosts, ...vhosts] };
    const table = this.compile(merged);
    if (typeof table === 'string') {
      p.release();
      return `route configuration ${p.name}: ${table}`;
    }
    p.vhosts = vhosts;
    p.vhdsStats?.configReload.inc();
    p.swap(table, { version, resource: merged, lastUpdated: new Date() });
    return null;
  }

  /** The providers completed over VHDS. */
  vhdsProviders(): RdsProvider[] {
    return this.all().filter((p) => p.received?.vhds !== undefined);
  }

  apply(resources: readonly DecodedResource[], version: string): string | null {
    const dup = duplicateName(resources.map((r) => r.name));
    if (dup !== undefined) return `duplicate route configuration ${dup} found`;
    const failures: string[] = [];
    const now = new Date();
    let vhdsNamesChanged = false;
    for (const r of resources) {
      const p = this.providers.get(r.name);
      if (p === undefined) continue; // not (or no longer) wanted
      const rc = r.message as RouteConfiguration;
      // As Envoy: a table equal to the one in use is not an update (its version stays).
      if (p.received !== null && equals(RouteConfigurationSchema, p.received, rc)) {
        p.stats?.record(null, version, false);
        continue;
      }
      const vhdsError = this.vhdsError(rc);
      if (vhdsError !== null) {
        p.stats?.record(vhdsError, version, false);
        failures.push(vhdsError);
        p.release();
        continue;
      }
      if (rc.vhds !== undefined) {
        // The virtual hosts come over VHDS: the table is made when they are in (now, if VHDS already answered for it).
        const had = p.received?.vhds !== undefined;
        p.received = rc;
        p.stats?.record(null, version, true);
        if (!had) {
          p.vhosts = null;
          vhdsNamesChanged = true;
        } else if (p.vhosts !== null) {
          const error = this.completeWithVhosts(p, p.vhosts, version);
          if (error !== null) failures.push(error);
        }
        continue;
      }
      if (p.received?.vhds !== undefined) vhdsNamesChanged = true;
      const error = this.compile(rc);
      p.stats?.record(typeof error === 'string' ? error : null, version, typeof error !== 'string');
      if (typeof error === 'string') {
        failures.push(error);
        p.release();
        continue;
      }
      p.received = rc;
      p.vhosts = null;
      p.swap(error, { version, resource: rc, lastUpdated: now });
    }
    if (vhdsNamesChanged) this.vhdsChanged();
    return failures.length > 0 ? failures.join(', ') : null;
  }
}
