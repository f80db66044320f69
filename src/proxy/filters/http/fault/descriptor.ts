// The fault filter's extension descriptor (envoy.filters.http.fault): an HTTPFault serves as both
// its typed_config and its per-route config.
import type { HTTPFault } from '../../../../xds/gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import type { HttpFilterDescriptor } from '../descriptor.js';
import { compileFaultSettings } from './fault-config.js';
import { FaultFilterFactory } from './fault-filter.js';

export const FAULT_DESCRIPTOR: HttpFilterDescriptor = {
  name: 'envoy.filters.http.fault',
  typeName: 'envoy.extensions.filters.http.fault.v3.HTTPFault',
  routeTypeName: 'envoy.extensions.filters.http.fault.v3.HTTPFault',
  make: (c, ctx) => new FaultFilterFactory(c as HTTPFault | undefined, ctx),
  compilePerRoute: (m, p) => compileFaultSettings(m as HTTPFault, p),
};
