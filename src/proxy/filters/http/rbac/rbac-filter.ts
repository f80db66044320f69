// Envoy's HTTP RBAC filter (envoy.filters.http.rbac): the shadow engine is evaluated for stats and
// metadata only; the enforced engine answers a refused request with 403 `RBAC: access denied`.
import type { RBAC } from '../../../../xds/gen/envoy/extensions/filters/http/rbac/v3/rbac_pb.js';
import type { RequestHead } from '../../../http/headers.js';
import { RBAC_METADATA, responseDetail } from '../../rbac/engine.js';
import { rbacInput } from '../../rbac/input.js';
import { createRbacStats, type RbacStats } from '../../rbac/stats.js';
import { compiledAs, mostSpecificPerFilterConfig, perRouteNames } from '../per-route.js';
import type { HttpFilterContext } from '../registry.js';
import { FilterStatus, type DecoderFilterCallbacks, type HttpFilterFactory } from '../types.js';
import { compileHttpRbac, type HttpRbacSettings } from './rbac-config.js';
import { PassThroughFilter } from '../pass-through.js';

/** The filter's canonical extension name (also its dynamic metadata namespace). */
export const RBAC_FILTER_NAME = 'envoy.filters.http.rbac';
const PER_ROUTE_TYPE = 'envoy.extensions.filters.http.rbac.v3.RBACPerRoute';

/** Makes the RBAC filter of each stream; holds the compiled config and the stats. */
export class RbacFilterFactory implements HttpFilterFactory {
  readonly name = RBAC_FILTER_NAME;
  readonly stats: RbacStats;
  private readonly settings: HttpRbacSettings;
  private readonly names: readonly string[];

  constructor(proto: RBAC | undefined, ctx: HttpFilterContext) {
    this.settings = compileHttpRbac(proto, ctx.fieldPath);
    this.stats = createRbacStats(ctx.stats, `http.${ctx.statPrefix}.`, this.settings.rulesStatPrefix, this.settings.shadowRulesStatPrefix);
    this.names = perRouteNames(ctx.filterName, RBAC_FILTER_NAME);
  }

  create(callbacks: DecoderFilterCallbacks): { decoder: RbacFilter } {
    return { decoder: new RbacFilter(this, callbacks) };
  }

  /** The settings for this request: the route's RBACPerRoute when it has one; null when the route disables the filter. */
  settingsFor(cb: DecoderFilterCallbacks): HttpRbacSettings | null {
    const per = mostSpecificPerFilterConfig(cb.route(), this.names);
    if (per === null) return this.settings;
    if (per.disabled) return null;
    return compiledAs<HttpRbacSettings>(per, PER_ROUTE_TYPE) ?? this.settings;
  }
}

/** The RBAC filter of one stream (decoder only: the decision is made on the request headers). */
export class RbacFilter extends PassThroughFilter {
  constructor(private readonly factory: RbacFilterFactory, private readonly cb: DecoderFilterCallbacks) {
    super();
  }

  override decodeHeaders(head: RequestHead, _endStream: boolean): FilterStatus {
    const s = this.factory.settingsFor(this.cb);
    if (s === null || (s.enforced === null && s.shadow === null)) return FilterStatus.Continue;
    const stats = this.factory.stats;
    const info = this.cb.streamInfo;
    const input = rbacInput(info, head);
    const fields: Record<string, unknown> = {};
    if (s.shadow !== null) {
      const d = s.shadow.decide(input);
      (d.allowed ? stats.shadow_allowed : stats.shadow_denied).inc();
      if (d.policyId !== '') fields[s.keys.shadowEffectivePolicyId] = d.policyId;
      fields[s.keys.shadowEngineResult] = d.allowed ? RBAC_METADATA.allowed : RBAC_METADATA.denied;
    }
    if (s.enforced === null) {
      info.setDynamicMetadata(RBAC_FILTER_NAME, fields);
      return FilterStatus.Continue;
    }
    const d = s.enforced.decide(input);
    if (d.logHint !== undefined) info.setDynamicMetadata(RBAC_METADATA.commonNamespace, { [RBAC_METADATA.accessLogHint]: d.logHint });
    if (d.policyId !== '') fields[s.keys.effectivePolicyId] = d.policyId;
    fields[s.keys.engineResult] = d.allowed ? RBAC_METADATA.allowed : RBAC_METADATA.denied;
    info.setDynamicMetadata(RBAC_FILTER_NAME, fields);
    if (d.allowed) {
      stats.allowed.inc();
      return FilterStatus.Continue;
    }
    stats.denied.inc();
    this.cb.sendLocalReply({ status: 403, body: 'RBAC: access denied', details: responseDetail(d.policyId === '' ? 'none' : d.policyId) });
    return FilterStatus.StopIteration;
  }
}
