// What a push is for (istiod's PushRequest): full or endpoints-only, which configs changed, why,
// and since when; requests arriving while debouncing merge into one.

/** Why a push was asked for (istiod's TriggerReason, the `type` label of pilot_push_triggers). */
export type TriggerReason = 'endpoint' | 'config' | 'service' | 'proxy' | 'global' | 'unknown' | 'debug'
  | 'secret' | 'networks' | 'proxyrequest' | 'namespace' | 'cluster';

/** A changed config, as `Kind/namespace/name` (ServiceEntry/istioinaction/catalog). */
export type ConfigKey = string;

export interface PushRequest {
  /** Everything is regenerated; false means only the endpoints of `configsUpdated` services (EDS). */
  readonly full: boolean;
  readonly configsUpdated: ReadonlySet<ConfigKey>;
  /** How many triggers of each reason were merged into this request. */
  readonly reasons: ReadonlyMap<TriggerReason, number>;
  /** When the earliest merged change happened (ms, the debouncer's clock): convergence time counts from it. */
  readonly start: number;
}

/** A request for one trigger. */
export function pushRequest(full: boolean, reason: TriggerReason, configs: Iterable<ConfigKey>, start: number): PushRequest {
  return { full, configsUpdated: new Set(configs), reasons: new Map([[reason, 1]]), start };
}

/** Merges two requests as istiod does: full if either is, configs and reason counts added, earliest start. */
export function mergePushRequests(a: PushRequest, b: PushRequest): PushRequest {
  const configs = new Set(a.configsUpdated);
  for (const c of b.configsUpdated) configs.add(c);
  const reasons = new Map(a.reasons);
  for (const [r, n] of b.reasons) reasons.set(r, (reasons.get(r) ?? 0) + n);
  return { full: a.full || b.full, configsUpdated: configs, reasons, start: Math.min(a.start, b.start) };
}
