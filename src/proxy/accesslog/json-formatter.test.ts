// Tests for format dictionaries: Envoy's JSON typing (numbers, null), sorted keys, nesting, omit_empty_values.
// Whole output lines are compared exactly, so key order and number typing are checked too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonFormatter } from './json-formatter.js';
import { AccessLogConfigError } from './errors.js';
import { docExampleInfo, emptyInfo } from './test-fixtures.js';

const TYPED = { typed: true, omitEmptyValues: false };

test('typed json_format: numbers are numbers, strings are strings, unset is null', () => {
  const f = new JsonFormatter({
    start_time: '%START_TIME%',
    method: '%REQ(:METHOD)%',
    path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
    protocol: '%PROTOCOL%',
    response_code: '%RESPONSE_CODE%',
    response_flags: '%RESPONSE_FLAGS%',
    bytes_received: '%BYTES_RECEIVED%',
    bytes_sent: '%BYTES_SENT%',
    duration: '%DURATION%',
    upstream_service_time: '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%',
    upstream_host: '%UPSTREAM_HOST%',
    upstream_cluster: '%UPSTREAM_CLUSTER%',
    request_duration: '%REQUEST_DURATION%',
    attempts: '%UPSTREAM_REQUEST_ATTEMPT_COUNT%',
    remote_port: '%DOWNSTREAM_REMOTE_PORT%',
  }, TYPED);
  const line = f.format(docExampleInfo());
  assert.ok(line.endsWith('}\n'));
  assert.equal(line,
    '{"attempts":0,"bytes_received":154,"bytes_sent":0,"duration":226,"method":"POST",' +
    '"path":"/api/v1/locations","protocol":"HTTP/2","remote_port":null,"request_duration":null,' +
    '"response_code":204,"response_flags":"-","start_time":"2016-04-15T20:17:00.310Z",' +
    '"upstream_cluster":null,"upstream_host":"10.0.2.1:80","upstream_service_time":"100"}\n');
  assert.deepEqual(Object.keys(JSON.parse(line)), Object.keys(JSON.parse(line)).sort());
});

test('several parts in one value make a string, unset parts print -', () => {
  const f = new JsonFormatter({ d: '%DURATION%ms', both: '%UPSTREAM_HOST%/%UPSTREAM_CLUSTER%' }, TYPED);
  assert.equal(f.format(docExampleInfo()), '{"both":"10.0.2.1:80/-","d":"226ms"}\n');
});

test('literals, numbers, booleans, null and nested objects and lists', () => {
  const f = new JsonFormatter({
    service: 'catalog',
    version: 2,
    ratio: 1.5,
    internal: true,
    nothing: null,
    request: { method: '%REQ(:METHOD)%', ids: ['%REQ(X-REQUEST-ID)%', 'fixed', 7] },
    escaped: '100%%',
  }, TYPED);
  const line = f.format(docExampleInfo());
  assert.equal(line,
    '{"escaped":"100%","internal":true,"nothing":null,"ratio":1.5,' +
    '"request":{"ids":["cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2","fixed",7],"method":"POST"},' +
    '"service":"catalog","version":2}\n');
});

test('string values are escaped as JSON', () => {
  const info = docExampleInfo();
  info.requestHead!.headers.set('user-agent', 'evil "agent"\n\\');
  const line = new JsonFormatter({ ua: '%REQ(USER-AGENT)%', ua2: 'x %REQ(USER-AGENT)%' }, TYPED).format(info);
  assert.deepEqual(JSON.parse(line), { ua: 'evil "agent"\n\\', ua2: 'x evil "agent"\n\\' });
});

test('omit_empty_values drops unset keys at every level and prints nothing inside strings', () => {
  const f = new JsonFormatter({
    code: '%RESPONSE_CODE%',
    host: '%UPSTREAM_HOST%',
    route: '%ROUTE_NAME%',
    nested: { host: '%UPSTREAM_HOST%', method: '%REQ(:METHOD)%' },
    mixed: '[%UPSTREAM_HOST%]',
    literal_null: null,
  }, { typed: true, omitEmptyValues: true });
  assert.equal(f.format(emptyInfo()), '{"code":0,"mixed":"[]","nested":{}}\n');
  assert.equal(f.format(docExampleInfo()),
    '{"code":204,"host":"10.0.2.1:80","mixed":"[10.0.2.1:80]","nested":{"host":"10.0.2.1:80","method":"POST"}}\n');
});

test('untyped json_format (deprecated FileAccessLog field): every value is a string, unset is "-"', () => {
  const f = new JsonFormatter({ code: '%RESPONSE_CODE%', host: '%UPSTREAM_HOST%', d: '%DURATION%' },
    { typed: false, omitEmptyValues: false });
  assert.equal(f.format(emptyInfo()), '{"code":"0","d":"0","host":"-"}\n');
});

test('a bad operator inside a dictionary is a config error naming the key', () => {
  assert.throws(() => new JsonFormatter({ outer: { bad: '%NOPE%' } }, TYPED, 'log_format.json_format'),
    (err: unknown) => err instanceof AccessLogConfigError &&
      err.message === 'log_format.json_format.outer.bad: Not supported field in StreamInfo: NOPE');
});
