// The router filter's extension descriptor (envoy.filters.http.router): terminal, no per-route config.
import type { Router } from '../../../../xds/gen/envoy/extensions/filters/http/router/v3/router_pb.js';
import type { HttpFilterDescriptor } from '../descriptor.js';
import { RouterFilterFactory } from './config.js';

export const ROUTER_DESCRIPTOR: HttpFilterDescriptor = {
  name: 'envoy.filters.http.router',
  typeName: 'envoy.extensions.filters.http.router.v3.Router',
  terminal: true,
  make: (c, ctx) => new RouterFilterFactory(c as Router | undefined, ctx.hcmStats),
};
