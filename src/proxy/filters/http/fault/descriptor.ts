// The fault filter's extension descriptor (envoy.filters.http.fault): an HTTPFault serves as both
// its typed_config and its per-route config.
import type { HTTPFault } from '../../../../xds/gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import type { HttpFilterDescriptor } from '../descriptor.js';
import { onFirstUse } from '../../../util/on-first-use.js';

const config = onFirstUse<typeof import('./fault-config.js')>(new URL('./fault-config.js', import.meta.url));
const filter = onFirstUse<typeof import('./fault-filter.js')>(new URL('./fault-filter.js', import.meta.url));

export const FAULT_DESCRIPTOR: HttpFilterDescriptor = {
  name: 'envoy.filters.http.fault',
  typeName: 'envoy.extensions.filters.http.fault.v3.HTTPFault',
  routeTypeName: 'envoy.extensions.filters.http.fault.v3.HTTPFault',
  make: (c, ctx) => new (filter().FaultFilterFactory)(c as HTTPFault | undefined, ctx),
  compilePerRoute: (m, p) => config().compileFaultSettings(m as HTTPFault, p),
};
