// The SDS secret configs istiod writes into TLS contexts: `default` (workload cert) and `ROOTCA`
// over the agent's `sds-grpc` cluster, and `kubernetes://<credentialName>` for gateway credentials.
import { create } from '@bufbuild/protobuf';
import {
  ApiConfigSource_ApiType, ApiConfigSourceSchema, ApiVersion, ConfigSourceSchema,
} from '../../../xds/gen/envoy/config/core/v3/config_source_pb.js';
import { GrpcServiceSchema, GrpcService_EnvoyGrpcSchema } from '../../../xds/gen/envoy/config/core/v3/grpc_service_pb.js';
import { SdsSecretConfigSchema, type SdsSecretConfig } from '../../../xds/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { durationOfMs } from '../route/durations.js';

export const SDS_CLUSTER = 'sds-grpc';
export const SDS_DEFAULT = 'default';
export const SDS_ROOT = 'ROOTCA';

/** istiod's ConstructSdsSecretConfig (default and ROOTCA also get initial_fetch_timeout 0s). */
export function sdsSecretConfig(name: string): SdsSecretConfig {
  const wellKnown = name === SDS_DEFAULT || name === SDS_ROOT;
  return create(SdsSecretConfigSchema, {
    name,
    sdsConfig: create(ConfigSourceSchema, {
      configSourceSpecifier: {
        case: 'apiConfigSource',
        value: create(ApiConfigSourceSchema, {
          apiType: ApiConfigSource_ApiType.GRPC, setNodeOnFirstMessageOnly: true, transportApiVersion: ApiVersion.V3,
          grpcServices: [create(GrpcServiceSchema, {
            targetSpecifier: { case: 'envoyGrpc', value: create(GrpcService_EnvoyGrpcSchema, { clusterName: SDS_CLUSTER }) },
          })],
        }),
      },
      resourceApiVersion: ApiVersion.V3,
      ...(wellKnown ? { initialFetchTimeout: durationOfMs(0) } : {}),
    }),
  });
}
