// The mesh-wide file access log istiod adds to every HCM and tcp_proxy when meshConfig.accessLogFile
// is set: envoy.access_loggers.file with Istio's default text (or JSON) format unless one is given.
import { create } from '@bufbuild/protobuf';
import type { JsonObject } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { AccessLogSchema, type AccessLog } from '../../../xds/gen/envoy/config/accesslog/v3/accesslog_pb.js';
import { FileAccessLogSchema } from '../../../xds/gen/envoy/extensions/access_loggers/file/v3/file_pb.js';
import type { MeshConfig } from '../../model/mesh-config.js';

/** Istio's EnvoyTextLogFormat (mesh accessLogFormat empty). */
export const ISTIO_TEXT_LOG_FORMAT = '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" '
  + '%RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% '
  + '"%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% '
  + '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" '
  + '"%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% '
  + '%DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n';

/** Istio's EnvoyJSONLogFormat keys. */
const ISTIO_JSON_LOG_FORMAT: JsonObject = {
  start_time: '%START_TIME%', route_name: '%ROUTE_NAME%', method: '%REQ(:METHOD)%',
  path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%', protocol: '%PROTOCOL%', response_code: '%RESPONSE_CODE%',
  response_flags: '%RESPONSE_FLAGS%', response_code_details: '%RESPONSE_CODE_DETAILS%',
  connection_termination_details: '%CONNECTION_TERMINATION_DETAILS%', bytes_received: '%BYTES_RECEIVED%',
  bytes_sent: '%BYTES_SENT%', duration: '%DURATION%', upstream_service_time: '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%',
  x_forwarded_for: '%REQ(X-FORWARDED-FOR)%', user_agent: '%REQ(USER-AGENT)%', request_id: '%REQ(X-REQUEST-ID)%',
  authority: '%REQ(:AUTHORITY)%', upstream_host: '%UPSTREAM_HOST%', upstream_cluster: '%UPSTREAM_CLUSTER%',
  upstream_local_address: '%UPSTREAM_LOCAL_ADDRESS%', downstream_local_address: '%DOWNSTREAM_LOCAL_ADDRESS%',
  downstream_remote_address: '%DOWNSTREAM_REMOTE_ADDRESS%', requested_server_name: '%REQUESTED_SERVER_NAME%',
  upstream_transport_failure_reason: '%UPSTREAM_TRANSPORT_FAILURE_REASON%',
};

/** The access_log entries of an HCM or tcp_proxy: none when the mesh has no accessLogFile. */
export function meshAccessLogs(mesh: MeshConfig): AccessLog[] {
  if (mesh.accessLogFile === '') return [];
  const file = create(FileAccessLogSchema, {
    path: mesh.accessLogFile,
    accessLogFormat: {
      case: 'logFormat',
      value: mesh.accessLogEncoding === 'JSON'
        ? { format: { case: 'jsonFormat', value: ISTIO_JSON_LOG_FORMAT } }
        : { format: { case: 'textFormatSource', value: { specifier: { case: 'inlineString', value: mesh.accessLogFormat !== '' ? mesh.accessLogFormat : ISTIO_TEXT_LOG_FORMAT } } } },
    },
  });
  return [create(AccessLogSchema, { name: 'envoy.access_loggers.file', configType: { case: 'typedConfig', value: anyPack(FileAccessLogSchema, file) } })];
}
