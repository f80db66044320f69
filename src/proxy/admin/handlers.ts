// The admin URL table (Envoy's handler list, help texts and POST-only flags) and the dispatch:
// exact path match, 405 for GET on mutating endpoints, 404 with the help listing otherwise.
import { renderClustersJson, renderClustersText } from './clusters.js';
import { renderHelp, type HandlerInfo } from './help.js';
import { handleLogging, LEVELS } from './logging.js';
import { protoJson } from './proto-json.js';
import { parseQueryString, parseTarget } from './query.js';
import { HOT_RESTART_DISABLED, renderCerts, renderMemory, renderRuntime, renderServerInfo } from './server-info.js';
import { handlePrometheus, handleStats, JSON_TYPE, TEXT, type AdminReply, type NamerCache } from './stats-handlers.js';
import { AdminHttpError, type AdminContext } from './types.js';

/** One admin request, already read. */
export interface AdminRequest {
  method: string;
  /** Path and query, e.g. `/stats?filter=foo`. */
  target: string;
  body: string;
  contentType: string;
}

interface Env {
  ctx: AdminContext;
  namers: NamerCache;
  query: Map<string, string>;
  req: AdminRequest;
}

interface UrlHandler extends HandlerInfo {
  run(env: Env): AdminReply;
}

function text(body: string, status = 200): AdminReply {
  return { status, body, contentType: TEXT };
}

function json(body: string, status = 200): AdminReply {
  return { status, body, contentType: JSON_TYPE };
}

const isJson = (q: ReadonlyMap<string, string>): boolean => q.get('format') === 'json';

function help(): string {
  return renderHelp(HANDLERS);
}

function listeners(env: Env): AdminReply {
  const list = env.ctx.listeners();
  if (isJson(env.query)) {
    const statuses = list.map((l) => ({ name: l.name, local_address: { socket_address: l.socketAddress } }));
    return json(protoJson(statuses.length > 0 ? { listener_statuses: statuses } : {}));
  }
  return text(list.map((l) => `${l.name}::${l.address}\n`).join(''));
}

function configDump(env: Env): AdminReply {
  const q = env.query;
  const dump = env.ctx.configDump({
    resource: q.get('resource') || undefined, mask: q.get('mask') || undefined,
    nameRegex: q.get('name_regex') || undefined, includeEds: q.has('include_eds'),
  });
  return json(protoJson(dump));
}

function runtimeModify(env: Env): AdminReply {
  let params = env.query;
  if (params.size === 0 && env.req.contentType.startsWith('application/x-www-form-urlencoded')) {
    params = parseQueryString(env.req.body.replace(/\+/g, ' '));
  }
  if (params.size === 0) {
    return text('usage: /runtime_modify?key1=value1&key2=value2&keyN=valueN\n' +
      '       or send the parameters as form values\n' +
      'use an empty value to remove a previously added override', 400);
  }
  if (env.ctx.runtimeModify === undefined) return text('No admin layer specified', 503);
  env.ctx.runtimeModify(Object.fromEntries(params));
  return text('OK\n');
}

function drain(env: Env): AdminReply {
  const q = env.query;
  env.ctx.drainListeners({ inboundOnly: q.has('inboundonly'), graceful: q.has('graceful'), skipExit: q.has('skip_exit') });
  return text('OK\n');
}

const bool = (id: string, h: string): { id: string; help: string } => ({ id, help: h });

/** Envoy's admin handlers that Strait implements, with Envoy's help texts. */
const HANDLERS: readonly UrlHandler[] = [
  { prefix: '/', help: 'Admin home page', mutates: false, run: () => text(help()) },
  { prefix: '/certs', help: 'print certs on machine', mutates: false, run: (e) => json(renderCerts(e.ctx.certs())) },
  {
    prefix: '/clusters', help: 'upstream cluster status', mutates: false,
    run: (e) => {
      const od = (c: Parameters<NonNullable<AdminContext['outlierDetector']>>[0]) => e.ctx.outlierDetector?.(c) ?? null;
      return isJson(e.query) ? json(renderClustersJson(e.ctx.clusters(), od)) : text(renderClustersText(e.ctx.clusters(), od));
    },
  },
  {
    prefix: '/config_dump', help: 'dump current Envoy configs (experimental)', mutates: false, run: configDump,
    params: [
      { id: 'resource', help: 'The resource to dump' },
      { id: 'mask', help: 'The mask to apply. When both resource and mask are specified, the mask is applied to every ' +
        'element in the desired repeated field so that only a subset of fields are returned. The mask is parsed as a ' +
        'ProtobufWkt::FieldMask' },
      { id: 'name_regex', help: 'Dump only the currently loaded configurations whose names match the specified regex. ' +
        'Can be used with both resource and mask query parameters.' },
      bool('include_eds', 'Dump currently loaded configuration including EDS. See the response definition for more information'),
    ],
  },
  {
    prefix: '/healthcheck/fail', help: 'cause the server to fail health checks', mutates: true,
    run: (e) => (e.ctx.setHealthCheckFailed(true), text('OK\n')),
  },
  {
    prefix: '/healthcheck/ok', help: 'cause the server to pass health checks', mutates: true,
    run: (e) => (e.ctx.setHealthCheckFailed(false), text('OK\n')),
  },
  { prefix: '/help', help: 'print out list of admin commands', mutates: false, run: () => text(help()) },
  {
    prefix: '/hot_restart_version', help: 'print the hot restart compatibility version', mutates: false,
    run: (e) => text(e.ctx.serverInfo().hotRestartVersion ?? HOT_RESTART_DISABLED),
  },
  {
    prefix: '/logging', help: 'query/change logging levels', mutates: true,
    run: (e) => {
      const r = handleLogging(parseQueryString(e.req.target.split('?')[1] ?? '', false), e.ctx);
      return text(r.body, r.status);
    },
    params: [
      { id: 'paths', help: 'Change multiple logging levels by setting to <logger_name1>:<desired_level1>,' +
        '<logger_name2>:<desired_level2>. If fine grain logging is enabled, use __FILE__ or a glob experision as the ' +
        'logger name. For example, source/common*:warning' },
      { id: 'level', help: "desired logging level, this will change all loggers's level", choices: ['', ...LEVELS] },
    ],
  },
  { prefix: '/memory', help: 'print current allocation/heap usage', mutates: false, run: () => json(renderMemory()) },
  {
    prefix: '/quitquitquit', help: 'exit the server', mutates: true,
    run: (e) => ({ ...text('OK\n'), after: () => e.ctx.quit() }),
  },
  {
    prefix: '/reset_counters', help: 'reset all counters to zero', mutates: true,
    run: (e) => (e.ctx.resetCounters(), text('OK\n')),
  },
  {
    prefix: '/drain_listeners', help: 'drain listeners', mutates: true, run: drain,
    params: [
      bool('graceful', 'When draining listeners, enter a graceful drain period prior to closing listeners. This ' +
        'behaviour and duration is configurable via server options or CLI'),
      bool('skip_exit', 'When draining listeners, do not exit after the drain period. This must be used with graceful'),
      bool('inboundonly', 'Drains all inbound listeners. traffic_direction field in ' +
        'envoy_v3_api_msg_config.listener.v3.Listener is used to determine whether a listener is inbound or outbound.'),
    ],
  },
  {
    prefix: '/server_info', help: 'print server version/status information', mutates: false,
    run: (e) => json(renderServerInfo(e.ctx.serverInfo(), e.ctx.state())),
  },
  {
    prefix: '/ready', help: 'print server state, return 200 if LIVE, otherwise return 503', mutates: false,
    run: (e) => {
      const state = e.ctx.state();
      return text(`${state}\n`, state === 'LIVE' ? 200 : 503);
    },
  },
  {
    prefix: '/stats', help: 'print server stats', mutates: false, run: (e) => handleStats(e.query, e.ctx, e.namers),
    params: [
      bool('usedonly', 'Only include stats that have been written by system since restart'),
      bool('filter', 'Regular expression (Google re2) for filtering stats'),
      { id: 'format', help: 'Format to use', choices: ['html', 'active-html', 'text', 'json'] },
      { id: 'type', help: 'Stat types to include.', choices: ['All', 'Counters', 'Histograms', 'Gauges', 'TextReadouts'] },
      { id: 'histogram_buckets', help: 'Histogram bucket display mode', choices: ['cumulative', 'disjoint', 'detailed', 'none'] },
    ],
  },
  {
    prefix: '/stats/prometheus', help: 'print server stats in prometheus format', mutates: false,
    run: (e) => handlePrometheus(e.query, e.ctx, e.namers),
    params: [
      bool('usedonly', 'Only include stats that have been written by system since restart'),
      bool('text_readouts', 'Render text_readouts as new gaugues with value 0 (increases Prometheus data size)'),
      bool('filter', 'Regular expression (Google re2) for filtering stats'),
      { id: 'histogram_buckets', help: 'Histogram bucket display mode', choices: ['cumulative', 'summary'] },
    ],
  },
  {
    prefix: '/listeners', help: 'print listener info', mutates: false, run: listeners,
    params: [{ id: 'format', help: 'File format to use', choices: ['text', 'json'] }],
  },
  { prefix: '/runtime', help: 'print runtime values', mutates: false, run: (e) => json(renderRuntime(e.ctx.runtime())) },
  {
    prefix: '/runtime_modify', mutates: true, run: runtimeModify,
    help: 'Adds or modifies runtime values as passed in query parameters. To delete a previously added key, use an ' +
      'empty string as the value. Note that deletion only applies to overrides added via this endpoint; values loaded ' +
      'from disk can be modified via override but not deleted. E.g. ?key1=value1&key2=value2...',
  },
  {
    prefix: '/reopen_logs', help: 'reopen access logs', mutates: true,
    run: (e) => (e.ctx.reopenLogs?.(), text('OK\n')),
  },
];

const BY_PREFIX = new Map(HANDLERS.map((h) => [h.prefix, h]));

/** Answers one admin request as Envoy's AdminImpl::makeRequest does. Never throws. */
export function handleAdminRequest(req: AdminRequest, ctx: AdminContext, namers: NamerCache): AdminReply {
  const { path, query } = parseTarget(req.target);
  const handler = BY_PREFIX.get(path);
  if (handler === undefined) return text(`invalid path. ${help()}`, 404);
  if (handler.mutates && req.method !== 'POST') {
    return text(`Method ${req.method} not allowed, POST required.`, 405);
  }
  try {
    return handler.run({ ctx, namers, query, req });
  } catch (e) {
    if (e instanceof AdminHttpError) return text(e.message, e.status);
    return text(`internal error: ${(e as Error).message ?? String(e)}\n`, 500);
  }
}

/** The help listing (for callers that show it elsewhere). */
export function adminHelp(): string {
  return help();
}
