// Header mutations: Envoy's order across levels (weighted cluster, route, virtual host, route config;
// reversed middle with most_specific_header_mutations_wins), append actions, keep_empty_value,
// remove-before-add, command operators, and the config errors Envoy reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import type { JsonValue } from '@bufbuild/protobuf';
import { HeaderMap } from '../http/headers.js';
import { applyRequestHeaders, applyResponseHeaders } from './finalize.js';
import { RouteConfigError } from './errors.js';
import { oneHost, req, streamInfo, table, type RequestOptions } from './test-support.js';

const overwrite = (value: string) => ({ header: { key: 'x-level', value }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' });
const append = (value: string) => ({ header: { key: 'x-level', value } });

/** A config with the given header options at every level (route config, virtual host, route, weighted cluster). */
function levels(make: (v: string) => JsonValue, mostSpecificWins: boolean) {
  return table({
    name: 'r', most_specific_header_mutations_wins: mostSpecificWins,
    request_headers_to_add: [make('config')], response_headers_to_add: [make('config')],
    virtual_hosts: [{
      name: 'vh', domains: ['*'], request_headers_to_add: [make('vhost')], response_headers_to_add: [make('vhost')],
      routes: [
        { match: { prefix: '/w' }, request_headers_to_add: [make('route')], response_headers_to_add: [make('route')],
          route: { weighted_clusters: { clusters: [{ name: 'c', weight: 1, request_headers_to_add: [make('cluster')], response_headers_to_add: [make('cluster')] }] } } },
        { match: { prefix: '/' }, request_headers_to_add: [make('route')], response_headers_to_add: [make('route')], route: { cluster: 'c' } },
      ],
    }],
  });
}

test('evaluation order: most specific first, so the route configuration wins by default', () => {
  const cases: [(v: string) => JsonValue, boolean, string, string[]][] = [
    [overwrite, false, '/', ['config']],
    [overwrite, true, '/', ['route']],
    [append, false, '/', ['route', 'vhost', 'config']],
    [append, true, '/', ['config', 'vhost', 'route']],
    // Weighted cluster headers are always evaluated first.
    [append, false, '/w', ['cluster', 'route', 'vhost', 'config']],
    [append, true, '/w', ['cluster', 'config', 'vhost', 'route']],
    [overwrite, true, '/w', ['route']],
  ];
  for (const [make, wins, path, want] of cases) {
    const t = levels(make, wins);
    const head = req(path);
    const m = t.route(head, 0)!;
    const info = streamInfo(head);
    applyRequestHeaders(m, head, info);
    assert.deepEqual(head.headers.getAll('x-level'), want, `request ${path} wins=${wins}`);
    const resp = new HeaderMap();
    applyResponseHeaders(m, resp, info);
    assert.deepEqual(resp.getAll('x-level'), want, `response ${path} wins=${wins}`);
  }
});

test('append and append_action against existing headers', () => {
  const opt = (extra: Record<string, JsonValue>) => ({ header: { key: 'x-h', value: 'new' }, ...extra });
  const cases: [JsonValue, string[] | undefined, string[]][] = [
    [opt({}), ['old'], ['old', 'new']],
    [opt({}), undefined, ['new']],
    [opt({ append: true }), ['old'], ['old', 'new']],
    [opt({ append: false }), ['old', 'older'], ['new']],
    [opt({ append_action: 'APPEND_IF_EXISTS_OR_ADD' }), ['old'], ['old', 'new']],
    [opt({ append_action: 'ADD_IF_ABSENT' }), ['old'], ['old']],
    [opt({ append_action: 'ADD_IF_ABSENT' }), undefined, ['new']],
    [opt({ append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }), ['old'], ['new']],
    [opt({ append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }), undefined, ['new']],
    [opt({ append_action: 'OVERWRITE_IF_EXISTS' }), ['a', 'b'], ['new']],
    [opt({ append_action: 'OVERWRITE_IF_EXISTS' }), undefined, []],
  ];
  for (const [option, existing, want] of cases) {
    const t = oneHost([{ match: { prefix: '/' }, route: { cluster: 'c' }, request_headers_to_add: [option] }]);
    const head = req('/', { headers: existing === undefined ? {} : { 'x-h': existing } });
    applyRequestHeaders(t.route(head, 0)!, head, streamInfo(head));
    assert.deepEqual(head.headers.getAll('x-h'), want, `${JSON.stringify(option)} over ${JSON.stringify(existing)}`);
  }
});

test('values are rendered against the headers as they were; removes happen first', () => {
  const t = oneHost([{ match: { prefix: '/' }, route: { cluster: 'c' },
    request_headers_to_remove: ['X-Drop', 'x-set'],
    request_headers_to_add: [
      { header: { key: 'x-set', value: 'a' } },
      { header: { key: 'x-set', value: 'b' }, append_action: 'ADD_IF_ABSENT' },   // x-set was absent when checked
      { header: { key: 'x-copy', value: '%REQ(x-set)%' } },                        // ... and so is empty here
      { header: { key: 'x-copy2', value: '%REQ(x-keep)%' } },
    ] }]);
  const head = req('/', { headers: { 'x-drop': '1', 'x-set': 'old', 'x-keep': 'k' } });
  applyRequestHeaders(t.route(head, 0)!, head, streamInfo(head));
  assert.deepEqual(head.headers.toObject(), { 'x-keep': 'k', 'x-set': 'a,b', 'x-copy2': 'k' });
});

test('empty values are skipped unless keep_empty_value', () => {
  const t = oneHost([{ match: { prefix: '/' }, route: { cluster: 'c' }, request_headers_to_add: [
    { header: { key: 'x-empty', value: '' } },
    { header: { key: 'x-kept', value: '' }, keep_empty_value: true },
    { header: { key: 'x-unset', value: '%REQ(x-missing)%' } },
    { header: { key: 'x-unset-kept', value: '%REQ(x-missing)%' }, keep_empty_value: true },
  ] }]);
  const head = req('/');
  applyRequestHeaders(t.route(head, 0)!, head, streamInfo(head));
  assert.deepEqual(head.headers.toObject(), { 'x-kept': '', 'x-unset-kept': '' });
});

test('command operators in header values', () => {
  const cases: [string, RequestOptions, string][] = [
    ['%DOWNSTREAM_REMOTE_ADDRESS%', {}, '10.1.2.3:5555'],
    ['%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%', {}, '10.1.2.3'],
    ['%DOWNSTREAM_LOCAL_ADDRESS%', {}, '10.0.0.1:8080'],
    ['%PROTOCOL%', {}, 'HTTP/1.1'],
    ['%HOSTNAME%', {}, hostname()],
    ['%START_TIME%', {}, '2016-04-15T20:17:00.310Z'],
    ['%START_TIME(%s)%', {}, '1460751420'],
    ['%REQ(User-Agent)%', { headers: { 'user-agent': 'curl/8' } }, 'curl/8'],
    ['%REQ(x-missing?user-agent)%', { headers: { 'user-agent': 'curl/8' } }, 'curl/8'],
    ['%REQ(user-agent):2%', { headers: { 'user-agent': 'curl/8' } }, 'cu'],
    ['%REQ(:authority)% %REQ(:path)% %REQ(:method)%', { method: 'PUT' }, 'example.com /p?q PUT'],
    ['client=%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%; 100%%', {}, 'client=10.1.2.3; 100%'],
    ['%UPSTREAM_REMOTE_ADDRESS%', {}, ''],
    ['plain', {}, 'plain'],
  ];
  for (const [value, o, want] of cases) {
    const t = oneHost([{ match: { prefix: '/' }, route: { cluster: 'c' },
      request_headers_to_add: [{ header: { key: 'x-v', value }, keep_empty_value: true }] }]);
    const head = req('/p?q', o);
    const info = streamInfo(head);
    Object.defineProperty(info, 'startTime', { value: Date.UTC(2016, 3, 15, 20, 17, 0, 310) });
    applyRequestHeaders(t.route(head, 0)!, head, info);
    assert.equal(head.headers.get('x-v'), want, value);
  }
});

test('response header values read the request through %REQ% and the response through %RESP%', () => {
  const t = oneHost([{ match: { prefix: '/' }, route: { cluster: 'c' }, response_headers_to_add: [
    { header: { key: 'x-echo-id', value: '%REQ(x-request-id)%' } },
    { header: { key: 'x-type', value: 'was %RESP(content-type)%' } },
  ], response_headers_to_remove: ['server'] }]);
  const head = req('/', { headers: { 'x-request-id': 'abc' } });
  const resp = new HeaderMap();
  resp.add('content-type', 'text/html');
  resp.add('server', 'upstream');
  applyResponseHeaders(t.route(head, 0)!, resp, streamInfo(head));
  assert.deepEqual(resp.toObject(), { 'content-type': 'text/html', 'x-echo-id': 'abc', 'x-type': 'was text/html' });
});

test('header mutation config errors name the field', () => {
  const route = (extra: Record<string, JsonValue>) => [{ match: { prefix: '/' }, route: { cluster: 'c' }, ...extra }];
  const cases: [JsonValue[], string, string][] = [
    [route({ request_headers_to_add: [{ header: { key: ':path', value: '/x' } }] }),
      '.virtual_hosts[0].routes[0].request_headers_to_add[0].header.key', ':-prefixed or host headers may not be modified'],
    [route({ response_headers_to_add: [{ header: { key: 'Host', value: 'x' } }] }),
      '.virtual_hosts[0].routes[0].response_headers_to_add[0].header.key', ':-prefixed or host headers may not be modified'],
    [route({ request_headers_to_remove: ['ok', ':authority'] }),
      '.virtual_hosts[0].routes[0].request_headers_to_remove[1]', ':-prefixed or host headers may not be removed'],
    [route({ request_headers_to_add: [{ header: { key: 'x', value: 'y' }, append: true, append_action: 'ADD_IF_ABSENT' }] }),
      '.virtual_hosts[0].routes[0].request_headers_to_add[0]', "Both append and append_action are set and it's not allowed"],
    [route({ request_headers_to_add: [{ header: { key: 'x', value: '50%' } }] }),
      '.virtual_hosts[0].routes[0].request_headers_to_add[0].header.value', "Incorrect configuration: 50%. Couldn't find valid command at position 2"],
    [route({ request_headers_to_add: [{ header: { key: 'x', value: '%NOT_A_COMMAND%' } }] }),
      '.virtual_hosts[0].routes[0].request_headers_to_add[0].header.value', 'Not supported field in StreamInfo: NOT_A_COMMAND'],
  ];
  for (const [routes, path, detail] of cases) {
    assert.throws(() => oneHost(routes), (e: unknown) => {
      assert.ok(e instanceof RouteConfigError, String(e));
      assert.equal(e.path, path);
      assert.equal(e.detail, detail);
      return true;
    });
  }
});
