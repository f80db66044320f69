// The file access logs istiod adds to HCMs and tcp_proxy: Telemetry's envoyFileAccessLog providers and
// meshConfig.accessLogFile, with Istio's default text (or JSON) format unless one is given.
import { create } from '@bufbuild/protobuf';
import type { JsonObject } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { AccessLogSchema, type AccessLog } from '../../../xds/gen/envoy/config/accesslog/v3/accesslog_pb.js';
import { FileAccessLogSchema } from '../../../xds/gen/envoy/extensions/access_loggers/file/v3/file_pb.js';
import type { ExtensionProvider, MeshConfig } from '../../model/mesh-config.js';

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

/** One envoy.access_loggers.file entry: a provider's path and format, else the mesh's format and encoding. */
function fileAccessLog(p: ExtensionProvider, mesh: MeshConfig): AccessLog {
  const f = p.envoyFileAccessLog ?? {};
  const labels = f.logFormat?.labels;
  const custom = f.logFormat?.text ?? mesh.accessLogFormat;
  // Istio's fileAccessLogFormat: a custom format gets a newline when it has none.
  const text = custom === '' ? ISTIO_TEXT_LOG_FORMAT : custom.endsWith('\n') ? custom : `${custom}\n`;
  const file = create(FileAccessLogSchema, {
    path: f.path ?? '/dev/stdout',
    accessLogFormat: {
      case: 'logFormat',
      value: labels !== undefined || (f.logFormat === undefined && mesh.accessLogEncoding === 'JSON')
        ? { format: { case: 'jsonFormat', value: labels ?? ISTIO_JSON_LOG_FORMAT } }
        : { format: { case: 'textFormatSource', value: { specifier: { case: 'inlineString', value: text } } } },
    },
  });
  return create(AccessLogSchema, { name: 'envoy.access_loggers.file', configType: { case: 'typedConfig', value: anyPack(FileAccessLogSchema, file) } });
}

/** The access_log entries for a Telemetry plan's providers (none: no access log). */
export function accessLogs(providers: readonly ExtensionProvider[], mesh: MeshConfig): AccessLog[] {
  return providers.map((p) => fileAccessLog(p, mesh));
}
