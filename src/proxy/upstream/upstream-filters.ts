// A cluster's `filters` (upstream network filters): Istio's istio.metadata_exchange is the one Strait
// runs (on tcp_proxy connections); any other is refused with Envoy's missing-extension error.
import type { Filter } from '../../xds/gen/envoy/config/cluster/v3/filter_pb.js';
import type { PathError } from '../bootstrap/config-error.js';
import { missingExtensionMessage } from '../bootstrap/config-error.js';
import { unpackTypedConfig } from '../filters/typed-config.js';
import {
  ExchangeConfigError, METADATA_EXCHANGE_TYPE, MetadataExchangeConfig, parseMetadataExchange,
} from '../istio/tcp-metadata-exchange.js';

/** The cluster's metadata exchange filter, if any; problems go to `errors` with their field path. */
export function upstreamNetworkFilters(filters: readonly Filter[], errors: PathError[]): MetadataExchangeConfig | undefined {
  let exchange: MetadataExchangeConfig | undefined;
  filters.forEach((f, i) => {
    const at = ['filters', i];
    if (f.configDiscovery !== undefined) {
      errors.push({ path: [...at, 'config_discovery'], message: `upstream network filter '${f.name}': extension config discovery is not supported by Strait` });
      return;
    }
    const any = f.typedConfig;
    if (any === undefined) {
      errors.push({ path: [...at, 'typed_config'], message: `upstream network filter '${f.name}' needs a typed_config` });
      return;
    }
    let tc;
    try {
      tc = unpackTypedConfig(any);
    } catch (e) {
      errors.push({ path: [...at, 'typed_config'], message: `cannot decode ${any.typeUrl}: ${(e as Error).message}` });
      return;
    }
    if (tc.typeName !== METADATA_EXCHANGE_TYPE) {
      errors.push({ path: [...at, 'typed_config', { key: '@type' }], message: missingExtensionMessage(f.name, tc.typeName) });
      return;
    }
    try {
      exchange = new MetadataExchangeConfig(parseMetadataExchange(tc.json, any));
    } catch (e) {
      if (!(e instanceof ExchangeConfigError)) throw e;
      errors.push({ path: [...at, 'typed_config', ...(e.field === '' ? [] : [e.field])], message: e.message });
    }
  });
  return exchange;
}
