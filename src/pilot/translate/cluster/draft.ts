// A cluster under construction (istiod's clusterWrapper): the Cluster proto plus the upstream
// HttpProtocolOptions that are packed into typed_extension_protocol_options when it is finished.
import { clone, create } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { ClusterSchema, type Cluster } from '../../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import { Http2ProtocolOptionsSchema, Http1ProtocolOptionsSchema } from '../../../xds/gen/envoy/config/core/v3/protocol_pb.js';
import {
  HttpProtocolOptionsSchema, HttpProtocolOptions_ExplicitHttpConfigSchema, HttpProtocolOptions_UseDownstreamHttpConfigSchema,
  type HttpProtocolOptions,
} from '../../../xds/gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';

/** The typed_extension_protocol_options key Envoy reads upstream HTTP options from. */
export const HTTP_PROTOCOL_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

export interface ClusterDraft {
  cluster: Cluster;
  http?: HttpProtocolOptions;
}

/** A deep copy, to try a change on without touching `d`. */
export function copyDraft(d: ClusterDraft): ClusterDraft {
  return { cluster: clone(ClusterSchema, d.cluster), http: d.http && clone(HttpProtocolOptionsSchema, d.http) };
}

export function httpOptions(d: ClusterDraft): HttpProtocolOptions {
  d.http ??= create(HttpProtocolOptionsSchema);
  return d.http;
}

/** istiod's setH2Options: explicit HTTP/2 unless upstream protocol options were already chosen. */
export function setH2(d: ClusterDraft): void {
  const o = httpOptions(d);
  if (o.upstreamProtocolOptions.case !== undefined) return;
  o.upstreamProtocolOptions = {
    case: 'explicitHttpConfig',
    value: create(HttpProtocolOptions_ExplicitHttpConfigSchema, {
      protocolConfig: { case: 'http2ProtocolOptions', value: create(Http2ProtocolOptionsSchema) },
    }),
  };
}

/** istiod's setUseDownstreamProtocol: HTTP/1.1 or HTTP/2 upstream as the downstream spoke. */
export function setUseDownstreamProtocol(d: ClusterDraft): void {
  httpOptions(d).upstreamProtocolOptions = {
    case: 'useDownstreamProtocolConfig',
    value: create(HttpProtocolOptions_UseDownstreamHttpConfigSchema, {
      httpProtocolOptions: create(Http1ProtocolOptionsSchema), http2ProtocolOptions: create(Http2ProtocolOptionsSchema),
    }),
  };
}

export function isHttp2(d: ClusterDraft): boolean {
  const u = d.http?.upstreamProtocolOptions;
  return u?.case === 'explicitHttpConfig' && u.value.protocolConfig.case === 'http2ProtocolOptions';
}

/** istiod's clusterWrapper.build: HTTP options default to explicit HTTP/1.1 and are packed. */
export function finish(d: ClusterDraft): Cluster {
  if (d.http !== undefined) {
    if (d.http.upstreamProtocolOptions.case === undefined) {
      d.http.upstreamProtocolOptions = {
        case: 'explicitHttpConfig',
        value: create(HttpProtocolOptions_ExplicitHttpConfigSchema, {
          protocolConfig: { case: 'httpProtocolOptions', value: create(Http1ProtocolOptionsSchema) },
        }),
      };
    }
    d.cluster.typedExtensionProtocolOptions = { [HTTP_PROTOCOL_OPTIONS_KEY]: anyPack(HttpProtocolOptionsSchema, d.http) };
  }
  return d.cluster;
}
