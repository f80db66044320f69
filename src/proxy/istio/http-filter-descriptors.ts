// Extension descriptors of Istio's own HTTP filters: their configs have no proto in Strait and
// come as TypedStruct JSON; none has a per-route config.
import type { HttpFilterDescriptor } from '../filters/http/descriptor.js';
import { makeIstioAuthnFilterFactory, ISTIO_AUTHN_TYPE } from './istio-authn-filter.js';
import { makePeerMetadataFilterFactory } from './peer-metadata-filter.js';
import { PEER_METADATA_TYPE } from './peer-metadata-config.js';
import { makeIstioStatsFilterFactory } from './istio-stats-filter.js';
import { STATS_PLUGIN_TYPE } from './stats-config.js';

export const ISTIO_HTTP_FILTER_DESCRIPTORS: readonly HttpFilterDescriptor[] = [
  { name: 'envoy.filters.http.peer_metadata', typeName: PEER_METADATA_TYPE, make: makePeerMetadataFilterFactory },
  { name: 'istio.stats', typeName: STATS_PLUGIN_TYPE, make: makeIstioStatsFilterFactory },
  { name: 'istio_authn', typeName: ISTIO_AUTHN_TYPE, make: makeIstioAuthnFilterFactory },
];
