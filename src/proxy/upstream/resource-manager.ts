// Circuit breakers (Envoy's ResourceManager): per-priority budgets for connections, pending
// requests, requests and retries, with the `circuit_breakers.<priority>.*_open` gauges.
import type { CircuitBreakers, CircuitBreakers_Thresholds } from '../../xds/gen/envoy/config/cluster/v3/circuit_breaker_pb.js';
import type { Gauge, Scope } from '../stats/store.js';
import type { Resource, ResourceManager } from './types.js';

/** Envoy's defaults for max_connections, max_pending_requests and max_requests. */
export const DEFAULT_MAX_CONNECTIONS = 1024;
export const DEFAULT_MAX_PENDING_REQUESTS = 1024;
export const DEFAULT_MAX_REQUESTS = 1024;
export const DEFAULT_MAX_RETRIES = 3;
/** max_connection_pools is unlimited unless set. */
const UNLIMITED = Number.MAX_SAFE_INTEGER;

/** A counted budget; the open gauge is 1 while the budget is exhausted. */
class BasicResource implements Resource {
  count = 0;

  constructor(readonly max: number, private readonly open: Gauge, private readonly remaining: Gauge | null) {
    remaining?.set(max);
  }

  canCreate(): boolean {
    return this.count < this.max;
  }

  inc(): void {
    this.count++;
    this.update();
  }

  dec(): void {
    if (this.count > 0) this.count--;
    this.update();
  }

  private update(): void {
    const max = this.max;
    this.open.set(this.count >= max ? 1 : 0);
    this.remaining?.set(max > this.count ? max - this.count : 0);
  }
}

/** retry_budget: retries allowed are a share of active plus pending requests, at least min_retry_concurrency. */
class RetryBudgetResource implements Resource {
  count = 0;

  constructor(private readonly percent: number, private readonly minConcurrency: number,
    private readonly requests: Resource, private readonly pending: Resource,
    private readonly open: Gauge, private readonly remaining: Gauge | null) {
    remaining?.set(this.max);
  }

  get max(): number {
    const active = this.requests.count + this.pending.count;
    return Math.max(Math.floor((this.percent / 100) * active), this.minConcurrency);
  }

  canCreate(): boolean {
    return this.count < this.max;
  }

  inc(): void {
    this.count++;
    this.update();
  }

  dec(): void {
    if (this.count > 0) this.count--;
    this.update();
  }

  private update(): void {
    const max = this.max;
    this.open.set(this.count >= max ? 1 : 0);
    this.remaining?.set(max > this.count ? max - this.count : 0);
  }
}

/** The four budgets of one priority (plus max_connection_pools). */
export class ResourceManagerImpl implements ResourceManager {
  readonly connections: Resource;
  readonly pendingRequests: Resource;
  readonly requests: Resource;
  readonly retries: Resource;
  readonly connectionPools: Resource;

  /** `scope` is the cluster's scope; gauges go under `circuit_breakers.<default|high>.`. */
  constructor(scope: Scope, priorityName: 'default' | 'high', t: CircuitBreakers_Thresholds | undefined) {
    const cb = scope.scope(`circuit_breakers.${priorityName}`);
    const track = t?.trackRemaining === true;
    const remaining = (name: string): Gauge | null => (track ? cb.gauge(name) : null);
    this.connections = new BasicResource(t?.maxConnections ?? DEFAULT_MAX_CONNECTIONS, cb.gauge('cx_open'),
      remaining('remaining_cx'));
    this.pendingRequests = new BasicResource(t?.maxPendingRequests ?? DEFAULT_MAX_PENDING_REQUESTS,
      cb.gauge('rq_pending_open'), remaining('remaining_pending'));
    this.requests = new BasicResource(t?.maxRequests ?? DEFAULT_MAX_REQUESTS, cb.gauge('rq_open'),
      remaining('remaining_rq'));
    const budget = t?.retryBudget;
    this.retries = budget !== undefined
      ? new RetryBudgetResource(budget.budgetPercent?.value ?? 20, budget.minRetryConcurrency ?? 3, this.requests,
        this.pendingRequests, cb.gauge('rq_retry_open'), remaining('remaining_retries'))
      : new BasicResource(t?.maxRetries ?? DEFAULT_MAX_RETRIES, cb.gauge('rq_retry_open'),
        remaining('remaining_retries'));
    this.connectionPools = new BasicResource(t?.maxConnectionPools ?? UNLIMITED, cb.gauge('cx_pool_open'),
      remaining('remaining_cx_pools'));
  }
}

/** Builds [DEFAULT, HIGH] resource managers from `circuit_breakers.thresholds` (the first entry per priority counts). */
export function createResourceManagers(scope: Scope, cb: CircuitBreakers | undefined): [ResourceManagerImpl,
  ResourceManagerImpl] {
  let def: CircuitBreakers_Thresholds | undefined;
  let high: CircuitBreakers_Thresholds | undefined;
  for (const t of cb?.thresholds ?? []) {
    if (t.priority === 1) high ??= t;
    else def ??= t;
  }
  return [new ResourceManagerImpl(scope, 'default', def), new ResourceManagerImpl(scope, 'high', high)];
}
