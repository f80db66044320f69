// Extension descriptors of Istio's own HTTP filters: their configs have no proto in Strait and
// come as TypedStruct JSON; none has a per-route config.
import type { HttpFilterDescriptor } from '../filters/http/descriptor.js';
import { PEER_METADATA_TYPE } from './peer-metadata-config.js';
import { STATS_PLUGIN_TYPE } from './stats-config.js';
import { onFirstUse } from '../util/on-first-use.js';

const authn = onFirstUse<typeof import('./istio-authn-filter.js')>(new URL('./istio-authn-filter.js', import.meta.url));
const peerMetadata = onFirstUse<typeof import('./peer-metadata-filter.js')>(new URL('./peer-metadata-filter.js', import.meta.url));
const stats = onFirstUse<typeof import('./istio-stats-filter.js')>(new URL('./istio-stats-filter.js', import.meta.url));

export const ISTIO_HTTP_FILTER_DESCRIPTORS: readonly HttpFilterDescriptor[] = [
  { name: 'envoy.filters.http.peer_metadata', typeName: PEER_METADATA_TYPE, make: (c, ctx) => peerMetadata().makePeerMetadataFilterFactory(c, ctx) },
  { name: 'istio.stats', typeName: STATS_PLUGIN_TYPE, make: (c, ctx) => stats().makeIstioStatsFilterFactory(c, ctx) },
  { name: 'istio_authn', typeName: 'istio.envoy.config.filter.http.authn.v2alpha1.FilterConfig', make: (c, ctx) => authn().makeIstioAuthnFilterFactory(c, ctx) },
];
