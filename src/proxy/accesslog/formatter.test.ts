// Tests for the text format compiler: the default line, each command operator, errors in Envoy's words.
// Lines are compared exactly against what Envoy prints for the same stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { TextFormatter, DEFAULT_FORMAT, parseFormat } from './formatter.js';
import { AccessLogConfigError } from './errors.js';
import { docExampleInfo, emptyInfo, headerMap } from './test-fixtures.js';

function render(format: string, info = docExampleInfo()): string {
  return new TextFormatter(format).format(info);
}

test('default format renders the documented example line exactly', () => {
  assert.equal(new TextFormatter(DEFAULT_FORMAT).format(docExampleInfo()),
    '[2016-04-15T20:17:00.310Z] "POST /api/v1/locations HTTP/2" 204 - 154 0 226 100 "10.0.35.28" "nsq2http" ' +
    '"cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2" "locations" "10.0.2.1:80"\n');
});

test('default format on an empty stream prints - for every unset value', () => {
  assert.equal(new TextFormatter(DEFAULT_FORMAT).format(emptyInfo()),
    '[2016-04-15T20:17:00.310Z] "- - HTTP/1.1" 0 - 0 0 0 - "-" "-" "-" "-" "-"\n');
});

test('REQ(X?Y) prefers the main header and falls back to the alternative', () => {
  const info = docExampleInfo();
  assert.equal(render('%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%', info), '/api/v1/locations');
  info.requestHead!.headers.add('x-envoy-original-path', '/original');
  assert.equal(render('%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%', info), '/original');
  assert.equal(render('%REQ(X-MISSING?X-ALSO-MISSING)%', info), '-');
});

test('pseudo-headers come from the request and response heads', () => {
  const info = docExampleInfo();
  assert.equal(render('%REQ(:METHOD)% %REQ(:PATH)% %REQ(:AUTHORITY)% %REQ(:SCHEME)% %REQ(HOST)%', info),
    'POST /api/v1/locations locations https locations');
  assert.equal(render('%RESP(:STATUS)% %REQ(:STATUS)% %RESP(:PATH)%', info), '204 - -');
  info.requestHead!.authority = '';
  assert.equal(render('%REQ(:AUTHORITY)%', info), '-');
});

test('header lookups are case-insensitive, take the first value, and keep empty values', () => {
  const info = docExampleInfo();
  info.requestHead!.headers.add('x-multi', 'one');
  info.requestHead!.headers.add('x-multi', 'two');
  info.requestHead!.headers.add('x-empty', '');
  assert.equal(render('%REQ(X-Multi)%|%REQ(x-empty)%|', info), 'one||');
});

test(':Z truncates header values', () => {
  assert.equal(render('%REQ(USER-AGENT):3%'), 'nsq');
  assert.equal(render('%REQ(USER-AGENT):100%'), 'nsq2http');
  assert.equal(render('%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME):1%'), '1');
});

test('TRAILER reads response trailers', () => {
  const info = docExampleInfo();
  assert.equal(render('%TRAILER(GRPC-STATUS)%', info), '-');
  info.responseTrailers = headerMap({ 'grpc-status': '14', 'grpc-message': 'unavailable' });
  assert.equal(render('%TRAILER(GRPC-STATUS)% %TRAILER(GRPC-MESSAGE):5%', info), '14 unava');
});

test('request and response operators render without any HTTP heads (TCP streams)', () => {
  const info = emptyInfo('');
  assert.equal(render('%REQ(:METHOD)% %RESP(:STATUS)% %TRAILER(X)% %PROTOCOL%', info), '- - - -');
});

test('numeric operators', () => {
  const info = docExampleInfo();
  info.attemptCount = 2;
  assert.equal(render('%RESPONSE_CODE% %BYTES_RECEIVED% %BYTES_SENT% %UPSTREAM_REQUEST_ATTEMPT_COUNT%', info),
    '204 154 0 2');
  assert.equal(render('%RESPONSE_CODE% %UPSTREAM_REQUEST_ATTEMPT_COUNT% %CONNECTION_ID%', emptyInfo()), '0 0 0');
});

test('duration operators are whole milliseconds and - until the event happens', () => {
  const info = emptyInfo();
  const fmt = '%DURATION% %REQUEST_DURATION% %REQUEST_TX_DURATION% %RESPONSE_DURATION% %RESPONSE_TX_DURATION%';
  assert.equal(render(fmt, info), '0 - - - -');
  info.durationMs = 42.9;
  info.lastDownstreamRxByteMs = 1.2;
  info.lastUpstreamTxByteMs = 3.9;
  info.firstUpstreamRxByteMs = 10.5;
  info.lastDownstreamTxByteMs = 40.1;
  assert.equal(render(fmt, info), '42 1 3 10 29');
});

test('DURATION of a stream still running is the time so far', () => {
  const info = emptyInfo();
  info.durationMs = undefined;
  const ms = Number(render('%DURATION%', info));
  assert.ok(ms >= 0 && ms < 1000, `got ${ms}`);
});

test('response flags, short and long', () => {
  const info = emptyInfo();
  assert.equal(render('%RESPONSE_FLAGS% %RESPONSE_FLAGS_LONG%', info), '- -');
  info.setFlag('UF');
  info.setFlag('URX');
  assert.equal(render('%RESPONSE_FLAGS%', info), 'UF,URX');
  assert.equal(render('%RESPONSE_FLAGS_LONG%', info), 'UpstreamConnectionFailure,UpstreamRetryLimitExceeded');
});

test('RESPONSE_CODE_DETAILS replaces whitespace unless ALLOW_WHITESPACES', () => {
  const info = emptyInfo();
  assert.equal(render('%RESPONSE_CODE_DETAILS%', info), '-');
  info.responseCodeDetails = 'via_upstream';
  assert.equal(render('%RESPONSE_CODE_DETAILS%', info), 'via_upstream');
  info.responseCodeDetails = 'upstream reset before headers';
  assert.equal(render('%RESPONSE_CODE_DETAILS%', info), 'upstream_reset_before_headers');
  assert.equal(render('%RESPONSE_CODE_DETAILS(ALLOW_WHITESPACES)%', info), 'upstream reset before headers');
});

test('upstream operators', () => {
  const info = emptyInfo();
  const fmt = '%UPSTREAM_HOST% %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %UPSTREAM_TRANSPORT_FAILURE_REASON%';
  assert.equal(render(fmt, info), '- - - -');
  info.upstreamHost = '10.0.0.5:8080';
  info.upstreamCluster = 'outbound|80||catalog.istioinaction.svc.cluster.local';
  info.upstreamLocalAddress = '10.0.0.1:43210';
  info.upstreamTransportFailureReason = 'delayed connect error: 111';
  assert.equal(render(fmt, info),
    '10.0.0.5:8080 outbound|80||catalog.istioinaction.svc.cluster.local 10.0.0.1:43210 delayed_connect_error:_111');
  assert.equal(render('%UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% %UPSTREAM_REMOTE_PORT% %UPSTREAM_LOCAL_PORT%', info),
    '10.0.0.5 8080 43210');
});

test('downstream address operators, with and without port, IPv4 and IPv6', () => {
  const info = emptyInfo();
  info.downstreamRemoteAddress = '192.168.1.7:51000';
  info.downstreamLocalAddress = '[::1]:15006';
  info.downstreamDirectRemoteAddress = '127.0.0.1:40000';
  assert.equal(render(
    '%DOWNSTREAM_REMOTE_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% %DOWNSTREAM_REMOTE_PORT% ' +
    '%DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT% %DOWNSTREAM_LOCAL_PORT% ' +
    '%DOWNSTREAM_DIRECT_REMOTE_ADDRESS% %DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT%', info),
  '192.168.1.7:51000 192.168.1.7 51000 [::1]:15006 ::1 15006 127.0.0.1:40000 127.0.0.1');
  assert.equal(render('%DOWNSTREAM_REMOTE_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT%', emptyInfo()), '- -');
});

test('SNI, route name, hostname, protocol', () => {
  const info = emptyInfo();
  assert.equal(render('%REQUESTED_SERVER_NAME% %ROUTE_NAME%', info), '- -');
  info.requestedServerName = 'catalog.example.com';
  info.routeName = 'default';
  assert.equal(render('%REQUESTED_SERVER_NAME% %ROUTE_NAME% %PROTOCOL%', info), 'catalog.example.com default HTTP/1.1');
  info.requestedServerName = 'bad host\n';
  assert.equal(render('%REQUESTED_SERVER_NAME%', info), 'bad_host_');
  assert.equal(render('%HOSTNAME%', info), hostname());
});

test('ENVIRONMENT and UNIQUE_ID', () => {
  process.env.STRAIT_ACCESSLOG_TEST = 'hello-world';
  assert.equal(render('%ENVIRONMENT(STRAIT_ACCESSLOG_TEST)% %ENVIRONMENT(STRAIT_ACCESSLOG_TEST):5%'),
    'hello-world hello');
  assert.equal(render('%ENVIRONMENT(STRAIT_ACCESSLOG_NOT_SET)%'), '-');
  const f = new TextFormatter('%UNIQUE_ID%');
  const a = f.format(emptyInfo());
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(f.format(emptyInfo()), a);
});

test('%% is a literal percent sign, also next to operators', () => {
  assert.equal(render('100%% %RESPONSE_CODE%%%'), '100% 204%');
  assert.equal(render('%%REQ(:METHOD)%%'), '%REQ(:METHOD)%');
});

test('omit_empty_values prints nothing for unset values', () => {
  assert.equal(new TextFormatter('[%UPSTREAM_HOST%][%RESPONSE_FLAGS%]', true).format(emptyInfo()), '[][-]');
});

test('an empty format renders an empty line; literals only render as is', () => {
  assert.equal(render(''), '');
  assert.deepEqual(parseFormat('plain text').length, 1);
  assert.equal(render('plain text\n'), 'plain text\n');
});

function configError(format: string): string {
  try {
    new TextFormatter(format);
  } catch (err) {
    assert.ok(err instanceof AccessLogConfigError, `not a config error: ${String(err)}`);
    return err.message;
  }
  assert.fail(`format ${JSON.stringify(format)} was accepted`);
}

test('unknown operators and bad syntax are config errors with Envoy text', () => {
  assert.equal(configError('%FOO_BAR%'), 'Not supported field in StreamInfo: FOO_BAR');
  assert.equal(configError('[%START_TIME%] %bogus%'),
    "Incorrect configuration: [%START_TIME%] %bogus%. Couldn't find valid command at position 15");
  assert.equal(configError('trailing %'), "Incorrect configuration: trailing %. Couldn't find valid command at position 9");
  assert.equal(configError('%PROTOCOL(x)%'), 'PROTOCOL does not take any parameters or length');
  assert.equal(configError('%DURATION:3%'), 'DURATION does not take any parameters or length');
  assert.equal(configError('%REQ%'), 'REQ requires parameters');
  assert.equal(configError('%START_TIME(%s):3%'), 'START_TIME does not allow length to be specified.');
  assert.equal(configError('%REQ(A?B?C)%'), 'More than 1 alternative header specified in token: A?B?C');
  assert.equal(configError('%REQ(BAD HEADER)%'),
    'Invalid header configuration. Format string contains invalid characters.');
  assert.equal(configError('%START_TIME(%Y%n)%'), 'Invalid header configuration. Format string contains newline.');
});
