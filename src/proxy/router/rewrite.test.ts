// Path and host rewrites (prefix_rewrite, regex_rewrite with Envoy's documented examples, host
// rewrites, weighted-cluster hosts) and finalizeRequestHeaders' x-envoy-original-* headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonValue } from '@bufbuild/protobuf';
import { finalizeRequestHeaders } from './finalize.js';
import { rewritePath, rewrittenHost } from './rewrite.js';
import { oneHost, req, streamInfo, type RequestOptions } from './test-support.js';

/** The path a request is forwarded with, under a single route `{match, route}`. */
function rewritten(match: JsonValue, route: JsonValue, path: string): string {
  const t = oneHost([{ match, route: { cluster: 'c', ...(route as object) } }]);
  const head = req(path);
  const m = t.route(head, 0);
  assert.ok(m !== null, `no route for ${path}`);
  return rewritePath(m.route, head);
}

test('prefix_rewrite replaces the matched prefix (Envoy\'s trailing-slash example) and keeps the query', () => {
  const cases: [JsonValue, string, string, string][] = [
    [{ prefix: '/prefix/' }, '/', '/prefix/etc', '/etc'],
    [{ prefix: '/prefix' }, '/', '/prefix', '/'],
    [{ prefix: '/prefix' }, '/', '/prefix/etc', '//etc'],
    [{ prefix: '/api' }, '/v2', '/api/users?x=1', '/v2/users?x=1'],
    [{ prefix: '/API', case_sensitive: false }, '/v2', '/api/users', '/v2/users'],
    [{ path: '/old' }, '/new', '/old?x', '/new?x'],
    [{ path_separated_prefix: '/a' }, '/b', '/a/c?d', '/b/c?d'],
    [{ safe_regex: { regex: '/r/.*' } }, '/whole', '/r/x?q=1', '/whole?q=1'],
    [{ prefix: '/' }, '', '/same?q', '/same?q'],
  ];
  for (const [match, prefix_rewrite, path, want] of cases) {
    assert.equal(rewritten(match, { prefix_rewrite }, path), want, `${JSON.stringify(match)} ${path}`);
  }
});

test('regex_rewrite: Envoy\'s documented examples, applied to the path only', () => {
  const cases: [string, string, string, string][] = [
    ['^/service/([^/]+)(/.*)$', '\\2/instance/\\1', '/service/foo/v1/api', '/v1/api/instance/foo'],
    ['one', 'two', '/xxx/one/yyy/one/zzz', '/xxx/two/yyy/two/zzz'],
    ['^(.*?)one(.*)$', '\\1two\\2', '/xxx/one/yyy/one/zzz', '/xxx/two/yyy/one/zzz'],
    ['(?i)/xxx/', '/yyy/', '/aaa/XxX/bbb', '/aaa/yyy/bbb'],
    ['one', 'two', '/one?one=one', '/two?one=one'],
    // \0 is the whole match; \\ a backslash; '$' has no meaning in RE2 rewrites.
    ['(a)(b)', '<\\0-\\\\-$1>', '/ab', '/<ab-\\-$1>'],
  ];
  for (const [regex, substitution, path, want] of cases) {
    assert.equal(rewritten({ prefix: '/' }, { regex_rewrite: { pattern: { google_re2: {}, regex }, substitution } }, path), want, regex);
  }
});

function hostOf(route: JsonValue, o: RequestOptions, path = '/envoyproxy.io/some/path'): string | null {
  const t = oneHost([{ match: { prefix: '/' }, route }]);
  const head = req(path, o);
  return rewrittenHost(t.route(head, 0)!, head);
}

test('host rewrites: literal, header, path regex, weighted cluster literal', () => {
  const cases: [JsonValue, RequestOptions, string | null][] = [
    [{ cluster: 'c' }, {}, null],
    [{ cluster: 'c', host_rewrite_literal: 'new.host' }, {}, 'new.host'],
    [{ cluster: 'c', host_rewrite_header: 'X-Host' }, { headers: { 'x-host': 'from.header' } }, 'from.header'],
    [{ cluster: 'c', host_rewrite_header: 'x-host' }, {}, null],
    [{ cluster: 'c', host_rewrite_path_regex: { pattern: { google_re2: {}, regex: '^/(.+)/.+$' }, substitution: '\\1' } }, {}, 'envoyproxy.io/some'],
    [{ cluster: 'c', auto_host_rewrite: true }, {}, null],
    [{ weighted_clusters: { clusters: [{ name: 'w', weight: 1, host_rewrite_literal: 'w.host' }] } }, {}, 'w.host'],
    [{ weighted_clusters: { clusters: [{ name: 'w', weight: 1, host_rewrite_literal: 'w.host' }] }, host_rewrite_literal: 'route.host' }, {}, 'route.host'],
  ];
  for (const [route, o, want] of cases) assert.equal(hostOf(route, o), want, JSON.stringify(route));
  // Envoy's own example: `^/(.+)/.+$` on /envoyproxy.io/some/path is greedy up to the last '/'.
  assert.equal(hostOf(cases[4][0], {}, '/envoyproxy.io/path?x=1'), 'envoyproxy.io');
});

test('finalizeRequestHeaders: headers, host and path, with the originals kept', () => {
  const t = oneHost([{ match: { prefix: '/api/' }, route: {
    cluster: 'c', prefix_rewrite: '/', host_rewrite_literal: 'backend.local', append_x_forwarded_host: true,
  }, request_headers_to_add: [{ header: { key: 'x-route', value: 'api' } }] }]);
  const head = req('/api/items?id=1', { authority: 'shop.example.com', headers: { 'x-forwarded-host': 'edge.example.com' } });
  const m = t.route(head, 0)!;
  finalizeRequestHeaders(m, head, streamInfo(head), { keepOriginal: true });
  assert.equal(head.path, '/items?id=1');
  assert.equal(head.authority, 'backend.local');
  assert.deepEqual(head.headers.toObject(), {
    'x-forwarded-host': 'edge.example.com,shop.example.com',
    'x-route': 'api',
    'x-envoy-original-host': 'shop.example.com',
    'x-envoy-original-path': '/api/items?id=1',
  });
  // With suppress_envoy_headers: no x-envoy-original-*; x-forwarded-host is not appended twice.
  const again = req('/api/x', { authority: 'shop.example.com', headers: { 'x-forwarded-host': 'shop.example.com' } });
  finalizeRequestHeaders(t.route(again, 0)!, again, streamInfo(again), { keepOriginal: false });
  assert.deepEqual(again.headers.toObject(), { 'x-forwarded-host': 'shop.example.com', 'x-route': 'api' });
  assert.equal(again.path, '/x');
});

test('finalizeRequestHeaders leaves a route without rewrites alone', () => {
  const t = oneHost([{ match: { prefix: '/' }, route: { cluster: 'c' } }]);
  const head = req('/a?b', { authority: 'h' });
  finalizeRequestHeaders(t.route(head, 0)!, head, streamInfo(head), { keepOriginal: true });
  assert.equal(head.path, '/a?b');
  assert.equal(head.authority, 'h');
  assert.equal(head.headers.size, 0);
});
