// Fields of Envoy's API that Strait parses but does not implement: a config that sets one is refused at
// load (bootstrap) or NACKed (xDS) with the field's path, so nothing configured is silently ignored.
import { isFieldSet, type DescField, type DescMessage, type Message, type Registry } from '@bufbuild/protobuf';
import { anyUnpack, isWrapperDesc, type Any } from '@bufbuild/protobuf/wkt';
import type { PathError, PathSeg } from './config-error.js';

/** A refused field: by name, or with the values that match what Strait does anyway. */
interface FieldRule {
  readonly field: string;
  /** Values Strait's behaviour already matches (e.g. false for a switch that is off by default). */
  readonly accepts?: (value: unknown) => boolean;
  /** Only under this message type (the same message means different things in a cluster and an HCM). */
  readonly within?: string;
  /** Appended to the message, in parentheses. */
  readonly note?: string;
}

type Rule = string | FieldRule;

const offOnly = (field: string, within?: string): FieldRule => ({ field, accepts: (v) => v === false, within });
const only = (field: string, value: unknown, within?: string): FieldRule => ({ field, accepts: (v) => v === value, within });

const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const CLUSTER = 'envoy.config.cluster.v3.Cluster';
/** Envoy's default per_connection_buffer_limit_bytes, the watermark Strait's codecs use. */
const BUFFER_LIMIT = 1024 * 1024;

/** By message type: its fields Strait refuses. Kept in step with docs/compatibility.md. */
export const UNSUPPORTED_FIELDS: Readonly<Record<string, readonly Rule[]>> = {
  'envoy.config.bootstrap.v3.Bootstrap': [
    'node_context_params', 'hds_config', 'flags_path', 'stats_sinks', 'deferred_stat_options', 'stats_config', 'watchdogs',
    'overload_manager', offOnly('enable_dispatcher_stats'), 'header_prefix', 'stats_server_version_override',
    offOnly('use_tcp_for_dns_lookups'), 'dns_resolution_config', 'typed_dns_resolver_config', 'bootstrap_extensions',
    'fatal_actions', 'config_sources', 'default_config_source', 'default_socket_interface', 'certificate_provider_instances',
    'xds_delegate_extension', 'xds_config_tracker_extension', 'listener_manager', 'application_log_config',
  ],
  'envoy.config.bootstrap.v3.ClusterManager': [
    'local_cluster_name', 'outlier_detection', 'upstream_bind_config', 'load_stats_config',
    offOnly('enable_deferred_cluster_creation'),
  ],
  'envoy.config.bootstrap.v3.Bootstrap.StaticResources': [{ field: 'secrets', note: 'SDS is not built' }],
  'envoy.config.bootstrap.v3.Bootstrap.DynamicResources': ['lds_resources_locator', 'cds_resources_locator'],
  'envoy.config.bootstrap.v3.RuntimeLayer': ['rtds_layer'],
  'envoy.config.bootstrap.v3.Admin': ['access_log_path', 'socket_options'],
  'envoy.config.core.v3.SocketAddress': [only('protocol', 0), 'named_port', 'resolver_name'],
  'envoy.config.core.v3.Address': ['envoy_internal_address'],

  // ---- listeners ----
  'envoy.config.listener.v3.Listener': [
    only('per_connection_buffer_limit_bytes', BUFFER_LIMIT), only('drain_type', 0), offOnly('transparent'), offOnly('freebind'),
    'socket_options', 'tcp_fast_open_queue_length', 'udp_listener_config', 'api_listener', 'connection_balance_config',
    'internal_listener', offOnly('enable_mptcp'),
  ],
  'envoy.config.listener.v3.FilterChain': ['use_proxy_proto', 'on_demand_configuration'],

  // ---- the HTTP connection manager ----
  [HCM]: [
    { field: 'codec_type', accepts: (v) => v !== 3, note: 'HTTP/3 is not built' }, { field: 'scoped_routes', note: 'SRDS' },
    offOnly('add_user_agent'), 'http3_protocol_options', 'scheme_header_transformation', 'access_log_flush_interval',
    offOnly('flush_access_log_on_new_request'), 'access_log_options', 'original_ip_detection_extensions',
    'early_header_mutation_extensions', 'internal_address_config', offOnly('proxy_100_continue'),
    offOnly('represent_ipv4_remote_address_as_ipv4_mapped_ipv6'),
    // IMPLEMENTATION_SPECIFIC_DEFAULT and KEEP_UNCHANGED: escaped slashes pass as they are.
    { field: 'path_with_escaped_slashes_action', accepts: (v) => v === 0 || v === 1 },
    'request_id_extension', 'local_reply_config', offOnly('stream_error_on_invalid_http_message'), 'path_normalization_options',
    offOnly('strip_trailing_host_dot'), 'proxy_status_config', 'typed_header_validation_config', offOnly('append_x_forwarded_port'),
    offOnly('append_local_overload'), 'add_proxy_protocol_connection_state',
  ],
  'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.UpgradeConfig': [
    { field: 'filters', note: 'upgrades run the HCM\'s filter chain' },
  ],
  'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.SetCurrentClientCertDetails': [
    offOnly('cert'), offOnly('chain'),
  ],
  'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.Tracing': [
    offOnly('verbose'), offOnly('spawn_upstream_span'),
  ],
  'envoy.config.core.v3.HttpProtocolOptions': [
    only('headers_with_underscores_action', 0),
    { field: 'max_headers_count', within: CLUSTER, note: 'upstream' },
    { field: 'max_requests_per_connection', within: HCM, note: 'downstream' },
    { field: 'max_stream_duration', within: CLUSTER, note: 'upstream' },
  ],
  'envoy.config.core.v3.Http1ProtocolOptions': [
    { field: 'allow_absolute_url', accepts: (v) => v !== false }, 'default_host_for_http_10', 'header_key_format',
    offOnly('allow_chunked_length'), 'override_stream_error_on_invalid_http_message', offOnly('send_fully_qualified_url'),
    offOnly('allow_custom_methods'),
  ],
  'envoy.config.core.v3.Http2ProtocolOptions': [
    'hpack_table_size', 'initial_stream_window_size', 'initial_connection_window_size', 'allow_connect', 'allow_metadata',
    'max_outbound_frames', 'max_outbound_control_frames', 'max_consecutive_inbound_frames_with_empty_payload',
    'max_inbound_priority_frames_per_stream', 'max_inbound_window_update_frames_per_data_frame_sent',
    'stream_error_on_invalid_http_messaging', 'override_stream_error_on_invalid_http_message', 'custom_settings_parameters',
    'connection_keepalive',
  ].map((field) => ({ field, within: CLUSTER, note: 'upstream' })),
  'envoy.config.core.v3.SubstitutionFormatString': ['json_format_options'],

  // ---- HTTP filters ----
  'envoy.extensions.filters.http.router.v3.Router': [
    { field: 'dynamic_stats', accepts: (v) => v !== false }, offOnly('start_child_span'), 'upstream_log', 'upstream_log_options',
    'strict_check_headers', offOnly('respect_expected_rq_timeout'), offOnly('suppress_grpc_request_failure_code_stats'),
    'upstream_http_filters',
  ],
  // gRPC-only fields (the check request's attributes) are refused with grpc_service.
  'envoy.extensions.filters.http.ext_authz.v3.ExtAuthz': [
    { field: 'grpc_service', note: 'only http_service' }, { field: 'transport_api_version', accepts: (v) => v === 0 || v === 2 },
    offOnly('validate_mutations'), 'metadata_context_namespaces', 'typed_metadata_context_namespaces',
    'route_metadata_context_namespaces', 'route_typed_metadata_context_namespaces', 'bootstrap_metadata_labels_key',
    offOnly('include_tls_session'), offOnly('charge_cluster_response_stats'), offOnly('encode_raw_headers'),
    'decoder_header_mutation_rules', 'enable_dynamic_metadata_ingestion',
  ],
  'envoy.extensions.filters.http.ext_authz.v3.BufferSettings': [offOnly('pack_as_bytes')],
  'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy': [
    'downstream_idle_timeout', 'upstream_idle_timeout', 'hash_policy', 'access_log_flush_interval',
    offOnly('flush_access_log_on_connected'), 'access_log_options',
  ],

  // ---- routes ----
  'envoy.config.route.v3.VirtualHost': ['virtual_clusters', 'per_request_buffer_limit_bytes'],
  'envoy.config.route.v3.Route': ['stat_prefix', 'per_request_buffer_limit_bytes'],
  'envoy.config.route.v3.RouteAction': [
    'early_data_policy', 'internal_redirect_policy', only('internal_redirect_action', 0), 'max_internal_redirects',
  ],
  'envoy.config.route.v3.RetryPolicy': [
    'per_try_idle_timeout', 'retry_priority', 'retry_options_predicates', 'retriable_request_headers',
  ],
  'envoy.config.route.v3.HedgePolicy': [only('initial_requests', 1), 'additional_request_chance'],
  'envoy.config.route.v3.WeightedCluster': ['runtime_key_prefix'],
  'envoy.config.route.v3.RouteAction.RequestMirrorPolicy': ['trace_sampled'],

  // ---- clusters and endpoints ----
  [CLUSTER]: [
    only('per_connection_buffer_limit_bytes', BUFFER_LIMIT), 'upstream_http_protocol_options',
    'dns_resolvers', offOnly('use_tcp_for_dns_lookups'), 'dns_resolution_config', 'typed_dns_resolver_config',
    { field: 'lb_subset_config', note: 'subset load balancing' }, only('protocol_selection', 0),
    offOnly('close_connections_on_host_health_failure'), offOnly('ignore_health_on_host_removal'),
    'load_balancing_policy', 'lrs_server', offOnly('lrs_report_endpoint_metrics'), offOnly('track_timeout_budgets'),
    'upstream_config', 'track_cluster_stats', 'preconnect_policy', offOnly('connection_pool_per_downstream_connection'),
  ],
  'envoy.config.cluster.v3.Cluster.CommonLbConfig': [offOnly('close_connections_on_host_set_change'), 'override_host_status'],
  'envoy.config.cluster.v3.CircuitBreakers': ['per_host_thresholds'],
  'envoy.config.cluster.v3.UpstreamConnectionOptions': ['set_local_interface_name_on_upstream_connections', 'happy_eyeballs_config'],
  // node sets a socket's keepalive time only.
  'envoy.config.core.v3.TcpKeepalive': [
    { field: 'keepalive_probes', note: 'only keepalive_time' }, { field: 'keepalive_interval', note: 'only keepalive_time' },
  ],
  'envoy.config.core.v3.BindConfig': [
    'freebind', 'socket_options', 'extra_source_addresses', 'additional_source_addresses', 'local_address_selector',
  ],
  'envoy.config.cluster.v3.Cluster.SlowStartConfig': [{ field: 'slow_start_window', note: 'slow start' }],
  'envoy.config.core.v3.HealthCheck': [
    'event_log_path', 'event_logger', 'event_service', offOnly('always_log_health_check_failures'),
    offOnly('always_log_health_check_success'), 'tls_options', 'transport_socket_match_criteria',
  ],
  'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': [
    'auto_config', 'http_filters', 'header_validation_config',
  ],
  'envoy.config.endpoint.v3.ClusterLoadAssignment': ['named_endpoints'],
  'envoy.config.endpoint.v3.ClusterLoadAssignment.Policy': ['drop_overloads', 'endpoint_stale_after', offOnly('weighted_priority_health')],
  'envoy.config.endpoint.v3.LocalityLbEndpoints': ['load_balancer_endpoints', 'leds_cluster_locality_config', 'proximity'],
  'envoy.config.endpoint.v3.LbEndpoint': ['endpoint_name'],
  'envoy.config.endpoint.v3.Endpoint': ['health_check_config', 'additional_addresses'],

  // ---- TLS ----
  'envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext': [
    'session_ticket_keys', 'session_ticket_keys_sds_secret_config', offOnly('disable_stateless_session_resumption'),
    offOnly('disable_stateful_session_resumption'), 'session_timeout', only('ocsp_staple_policy', 0),
    offOnly('full_scan_certs_on_sni_mismatch'),
  ],
  'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext': [offOnly('allow_renegotiation'), offOnly('enforce_rsa_key_usage')],
  'envoy.extensions.transport_sockets.tls.v3.CommonTlsContext': ['custom_handshaker', 'key_log'],
  'envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext': [
    'watched_directory', offOnly('require_signed_certificate_timestamp'), offOnly('only_verify_leaf_cert_crl'), 'max_verify_depth',
  ],
};

/** Free-form messages: nothing under them is an Envoy field. */
const OPAQUE = new Set(['google.protobuf.Struct', 'google.protobuf.Value', 'google.protobuf.ListValue']);

interface CompiledRule {
  readonly field: DescField;
  readonly rule: FieldRule;
}

const compiled = new Map<string, readonly CompiledRule[]>();

/** The rules of a message type, resolved to its fields once. */
function rulesOf(desc: DescMessage): readonly CompiledRule[] {
  let r = compiled.get(desc.typeName);
  if (r === undefined) {
    r = (UNSUPPORTED_FIELDS[desc.typeName] ?? []).map((rule) => {
      const fr: FieldRule = typeof rule === 'string' ? { field: rule } : rule;
      const field = desc.fields.find((f) => f.name === fr.field);
      if (field === undefined) throw new Error(`unsupported-fields: ${desc.typeName} has no field ${fr.field}`);
      return { field, rule: fr };
    });
    compiled.set(desc.typeName, r);
  }
  return r;
}

function valueOf(msg: Message, field: DescField): unknown {
  const m = msg as unknown as Record<string, unknown>;
  if (field.oneof === undefined) return m[field.localName];
  const sel = m[field.oneof.localName] as { case: string | undefined; value?: unknown };
  return sel.case === field.localName ? sel.value : undefined;
}

/** Reports every set field Strait does not implement under `msg` (Any contents included), with its path. */
export function checkUnsupportedFields(desc: DescMessage, msg: Message, registry: Registry): PathError[] {
  const errors: PathError[] = [];
  walk(desc, msg, [], [], registry, errors);
  return errors;
}

function walk(desc: DescMessage, msg: Message, path: PathSeg[], within: string[], registry: Registry,
  errors: PathError[]): void {
  if (desc.typeName === 'google.protobuf.Any') {
    const any = msg as Any;
    const inner = registry.getMessage(any.typeUrl.slice(any.typeUrl.lastIndexOf('/') + 1));
    let unpacked;
    try {
      unpacked = inner ? anyUnpack(any, registry) : undefined;
    } catch {
      // Bytes that do not decode are the schema check's to report, with their path.
      unpacked = undefined;
    }
    if (inner && unpacked) walk(inner, unpacked, path, within, registry, errors);
    return;
  }
  for (const { field, rule } of rulesOf(desc)) {
    if (rule.within !== undefined && !within.includes(rule.within)) continue;
    if (!isFieldSet(msg, field) || rule.accepts?.(valueOf(msg, field)) === true) continue;
    const note = rule.note === undefined ? '' : ` (${rule.note})`;
    errors.push({ path: [...path, field.name], message: `${field.name} is not supported by Strait${note}` });
  }
  const inside = [...within, desc.typeName];
  for (const field of desc.fields) {
    // Wrappers (BoolValue ...) hold plain values; free-form structs hold no Envoy fields.
    if (!field.message || OPAQUE.has(field.message.typeName) || isWrapperDesc(field.message)) continue;
    const v = valueOf(msg, field);
    if (v === undefined || v === null) continue;
    const fpath = [...path, field.name];
    if (field.fieldKind === 'list') {
      (v as Message[]).forEach((x, i) => walk(field.message!, x, [...fpath, i], inside, registry, errors));
    } else if (field.fieldKind === 'map') {
      for (const [k, x] of Object.entries(v as Record<string, Message>)) walk(field.message, x, [...fpath, { key: k }], inside, registry, errors);
    } else {
      walk(field.message, v as Message, fpath, inside, registry, errors);
    }
  }
}
