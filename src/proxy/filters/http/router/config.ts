// The router filter's config (envoy.extensions.filters.http.router.v3.Router) and its factory.
// The factory is built once per connection manager; each stream gets a RouterFilter.
import type { HttpFilterFactory, DecoderFilterCallbacks } from '../types.js';
import type { HcmStats } from '../../../http/conn-manager/stats.js';
import type { Router } from '../../../../xds/gen/envoy/extensions/filters/http/router/v3/router_pb.js';
import { RouterFilter } from './router-filter.js';

/** The router settings a stream needs. */
export interface RouterConfig {
  /** Don't add x-envoy-upstream-service-time, x-envoy-expected-rq-timeout-ms ... */
  readonly suppressEnvoyHeaders: boolean;
  readonly hcmStats: HcmStats;
}

/** Makes the router filter for each stream. */
export class RouterFilterFactory implements HttpFilterFactory {
  readonly name = 'envoy.filters.http.router';
  private readonly config: RouterConfig;

  constructor(proto: Router | undefined, hcmStats: HcmStats) {
    this.config = { suppressEnvoyHeaders: proto?.suppressEnvoyHeaders ?? false, hcmStats };
  }

  create(callbacks: DecoderFilterCallbacks): { decoder: RouterFilter } {
    return { decoder: new RouterFilter(this.config, callbacks) };
  }
}
