// Host discovery for DNS clusters. STRICT_DNS: every endpoint name is resolved and each address
// becomes a host. LOGICAL_DNS: one host whose address is the first one resolved. Both refresh
// every dns_refresh_rate and keep the last good answer when a lookup fails.
import { resolveName, type LookupFn } from './dns-resolver.js';
import type { EndpointSpec } from './endpoints.js';
import { HostImpl, type HostSpec } from './host.js';
import type { ClusterInfoImpl } from './cluster-info.js';

/** What a discovery reports to its cluster. */
export interface HostSink {
  readonly info: ClusterInfoImpl;
  /** Replaces the cluster's membership with `hosts`. */
  setHosts(hosts: readonly HostImpl[]): void;
}

/** Finds a cluster's hosts and keeps them current. */
export interface HostDiscovery {
  /** Resolves after the first attempt for every endpoint (Envoy's cluster initialisation). */
  start(): Promise<void>;
  stop(): void;
}

/** The host a resolved address of `ep` makes (the endpoint's hostname, else the DNS name). */
function specFor(ep: EndpointSpec, address: string): HostSpec {
  return { address, port: ep.port, hostname: ep.hostname !== '' ? ep.hostname : ep.address, weight: ep.weight,
    priority: ep.priority, locality: ep.locality, healthFlags: ep.healthFlags, metadata: ep.metadata,
    localityMetadata: ep.localityMetadata };
}

/** Base: one refresh loop per target with the cluster's refresh and failure rates. */
abstract class DnsTarget {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(protected readonly sink: HostSink, readonly ep: EndpointSpec, private readonly lookup: LookupFn) {}

  /** One lookup; schedules the next one. */
  async resolve(): Promise<void> {
    const info = this.sink.info;
    info.stats.update_attempt.inc();
    let ok = false;
    try {
      const addresses = await resolveName(this.ep.address, info.dnsLookupFamily, this.lookup);
      if (this.stopped) return;
      ok = true;
      info.stats.update_success.inc();
      if (!this.onResolved(addresses)) info.stats.update_no_rebuild.inc();
    } catch {
      if (this.stopped) return;
      info.stats.update_failure.inc();
    }
    this.schedule(ok ? info.dnsRefreshRateMs : info.dnsFailureRefreshRateMs);
  }

  /** Applies a successful answer; false when nothing changed. */
  protected abstract onResolved(addresses: string[]): boolean;

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.resolve();
    }, ms);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** One STRICT_DNS endpoint: its hosts are all its resolved addresses. */
class StrictDnsTarget extends DnsTarget {
  hosts: HostImpl[] = [];

  constructor(private readonly owner: StrictDnsDiscovery, sink: HostSink, ep: EndpointSpec, lookup: LookupFn) {
    super(sink, ep, lookup);
  }

  protected onResolved(addresses: string[]): boolean {
    const next = addresses.map((a) => {
      const spec = specFor(this.ep, a);
      return this.hosts.find((h) => h.sameAs(spec)) ?? new HostImpl(spec);
    });
    const same = next.length === this.hosts.length && next.every((h, i) => h === this.hosts[i]);
    if (same) return false;
    this.hosts = next;
    this.owner.publish();
    return true;
  }
}

/** STRICT_DNS: the union of every endpoint's addresses, in endpoint order. */
export class StrictDnsDiscovery implements HostDiscovery {
  private readonly targets: StrictDnsTarget[];
  private started = false;

  constructor(private readonly sink: HostSink, endpoints: readonly EndpointSpec[], lookup: LookupFn) {
    this.targets = endpoints.map((ep) => new StrictDnsTarget(this, sink, ep, lookup));
  }

  async start(): Promise<void> {
    await Promise.all(this.targets.map((t) => t.resolve()));
    this.started = true;
    this.publish();
  }

  /** Pushes the current union to the cluster (after the first round, on every change). */
  publish(): void {
    if (!this.started) return;
    const all: HostImpl[] = [];
    for (const t of this.targets) all.push(...t.hosts);
    this.sink.setHosts(all);
  }

  stop(): void {
    for (const t of this.targets) t.stop();
  }
}

/** LOGICAL_DNS: one host, its address swapped in place when the first resolved address changes. */
export class LogicalDnsDiscovery extends DnsTarget implements HostDiscovery {
  private host: HostImpl | null = null;

  async start(): Promise<void> {
    await this.resolve();
  }

  protected onResolved(addresses: string[]): boolean {
    const first = addresses[0];
    if (this.host === null) {
      this.host = new HostImpl(specFor(this.ep, first));
      this.sink.setHosts([this.host]);
      return true;
    }
    if (this.host.address === first) return false;
    // New connections go to the new address; existing ones stay (Envoy's LogicalHost).
    this.host.setAddress(first);
    return true;
  }
}
