// Route matching: each path specifier, case sensitivity, header and query-parameter matchers
// (invert, missing-as-empty, pseudo-headers), runtime fraction, gRPC, TLS redirects; first match wins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonValue } from '@bufbuild/protobuf';
import { oneHost, req, table, type RequestOptions } from './test-support.js';

type Case = [path: string, opts: RequestOptions, matches: boolean];

/** Checks one route's match against a table of requests. */
function check(match: JsonValue, cases: Case[], extra: Record<string, JsonValue> = {}): void {
  const t = oneHost([{ name: 'r', match, direct_response: { status: 200 } }], extra);
  for (const [path, opts, want] of cases) {
    assert.equal(t.route(req(path, opts), 0) !== null, want, `${JSON.stringify(match)} ${path} ${JSON.stringify(opts)}`);
  }
}

test('prefix matches the path without query or fragment', () => {
  check({ prefix: '/api' }, [
    ['/api', {}, true], ['/api/v1', {}, true], ['/apiary', {}, true], ['/ap', {}, false], ['/API', {}, false],
    ['/ap?i=/api', {}, false], ['/x#/api', {}, false],
  ]);
  check({ prefix: '' }, [['/', {}, true], ['/anything?x', {}, true]]);
});

test('path matches exactly, ignoring the query', () => {
  check({ path: '/login' }, [
    ['/login', {}, true], ['/login?next=/', {}, true], ['/login#x', {}, true], ['/login/', {}, false],
    ['/logins', {}, false], ['/Login', {}, false],
  ]);
});

test('safe_regex is a full match of the path without the query', () => {
  check({ safe_regex: { regex: '/users/[0-9]+' } }, [
    ['/users/42', {}, true], ['/users/42?x=1', {}, true], ['/users/42/x', {}, false], ['/a/users/42', {}, false],
    ['/users/abc', {}, false],
  ]);
  check({ safe_regex: { google_re2: {}, regex: '(?i)/ABC.*' } }, [['/abcdef', {}, true], ['/xabc', {}, false]]);
});

test('path_separated_prefix matches whole path segments', () => {
  check({ path_separated_prefix: '/api' }, [
    ['/api', {}, true], ['/api/', {}, true], ['/api/v1', {}, true], ['/api?x', {}, true], ['/apiary', {}, false],
    ['/ap', {}, false],
  ]);
});

test('case_sensitive: false compares ASCII letters case-insensitively (not for regex)', () => {
  check({ prefix: '/Api', case_sensitive: false }, [['/api/x', {}, true], ['/APIx', {}, true], ['/ap', {}, false]]);
  check({ path: '/Login', case_sensitive: false }, [['/LOGIN', {}, true], ['/login?x', {}, true], ['/logins', {}, false]]);
  check({ path_separated_prefix: '/A', case_sensitive: false }, [['/a/b', {}, true], ['/ab', {}, false]]);
  check({ safe_regex: { regex: '/Abc' }, case_sensitive: false }, [['/Abc', {}, true], ['/abc', {}, false]]);
});

test('connect_matcher matches CONNECT requests only', () => {
  check({ connect_matcher: {} }, [
    ['', { method: 'CONNECT', authority: 'example.com:443' }, true],
    ['/', { method: 'GET' }, false],
    ['/', { method: 'GET', headers: { upgrade: 'CONNECT-UDP' } }, true],
  ]);
  // A CONNECT without a path is not matched by path routes.
  check({ prefix: '' }, [['', { method: 'CONNECT' }, false]]);
});

test('header matchers (deprecated fields and string_match)', () => {
  const h = (name: string, spec: Record<string, JsonValue>) => ({ prefix: '/', headers: [{ name, ...spec }] });
  const cases: [JsonValue, Case[]][] = [
    [h('x-env', { exact_match: 'prod' }), [['/', { headers: { 'x-env': 'prod' } }, true], ['/', { headers: { 'x-env': 'Prod' } }, false], ['/', {}, false]]],
    [h('x-env', { exact_match: '' }), [['/', { headers: { 'x-env': 'anything' } }, true], ['/', {}, false]]],
    [h('x-env', { prefix_match: 'pr' }), [['/', { headers: { 'x-env': 'prod' } }, true], ['/', { headers: { 'x-env': 'dev' } }, false]]],
    [h('x-env', { suffix_match: 'od' }), [['/', { headers: { 'x-env': 'prod' } }, true], ['/', { headers: { 'x-env': 'dev' } }, false]]],
    [h('x-env', { contains_match: 'ro' }), [['/', { headers: { 'x-env': 'prod' } }, true], ['/', { headers: { 'x-env': 'dev' } }, false]]],
    [h('x-env', { safe_regex_match: { regex: 'p.*d' } }), [['/', { headers: { 'x-env': 'prod' } }, true], ['/', { headers: { 'x-env': 'prod2' } }, false]]],
    [h('X-Env', { string_match: { exact: 'PROD', ignore_case: true } }), [['/', { headers: { 'x-env': 'prod' } }, true], ['/', { headers: { 'x-env': 'pro' } }, false]]],
    [h('x-env', { string_match: { prefix: 'PR', ignore_case: true } }), [['/', { headers: { 'x-env': 'prod' } }, true]]],
    [h('x-env', { string_match: { suffix: 'OD', ignore_case: true } }), [['/', { headers: { 'x-env': 'prod' } }, true], ['/', { headers: { 'x-env': 'd' } }, false]]],
    [h('x-env', { string_match: { contains: 'RO', ignore_case: true } }), [['/', { headers: { 'x-env': 'pROd' } }, true]]],
    [h('x-env', { string_match: { contains: 'RO' } }), [['/', { headers: { 'x-env': 'prod' } }, false]]],
    [h('x-env', { string_match: { safe_regex: { regex: '[a-z]+' } } }), [['/', { headers: { 'x-env': 'prod' } }, true], ['/', { headers: { 'x-env': 'p1' } }, false]]],
    [h('x-env', { present_match: true }), [['/', { headers: { 'x-env': '' } }, true], ['/', {}, false]]],
    [h('x-env', { present_match: false }), [['/', { headers: { 'x-env': 'x' } }, false], ['/', {}, true]]],
    [h('x-env', {}), [['/', { headers: { 'x-env': 'x' } }, true], ['/', {}, false]]],
    [h('x-n', { range_match: { start: '10', end: '20' } }), [
      ['/', { headers: { 'x-n': '10' } }, true], ['/', { headers: { 'x-n': '19' } }, true], ['/', { headers: { 'x-n': '20' } }, false],
      ['/', { headers: { 'x-n': ' 15 ' } }, true], ['/', { headers: { 'x-n': '+15' } }, true], ['/', { headers: { 'x-n': '1.5' } }, false],
      ['/', { headers: { 'x-n': 'abc' } }, false], ['/', {}, false]]],
    [h('x-n', { range_match: { start: '-9223372036854775808', end: '0' } }), [
      ['/', { headers: { 'x-n': '-9223372036854775808' } }, true], ['/', { headers: { 'x-n': '-9223372036854775809' } }, false],
      ['/', { headers: { 'x-n': '-1' } }, true], ['/', { headers: { 'x-n': '0' } }, false]]],
    // Several values are joined with ',' before matching.
    [h('x-a', { exact_match: '1,2' }), [['/', { headers: { 'x-a': ['1', '2'] } }, true], ['/', { headers: { 'x-a': '1' } }, false]]],
  ];
  for (const [match, table] of cases) check(match, table);
});

test('invert_match and treat_missing_header_as_empty', () => {
  const h = (spec: Record<string, JsonValue>) => ({ prefix: '/', headers: [{ name: 'x-env', ...spec }] });
  const cases: [JsonValue, Case[]][] = [
    [h({ exact_match: 'prod', invert_match: true }), [
      ['/', { headers: { 'x-env': 'dev' } }, true], ['/', { headers: { 'x-env': 'prod' } }, false],
      ['/', {}, false]]],                                         // a missing header never matches an inverted value matcher
    [h({ present_match: true, invert_match: true }), [['/', {}, true], ['/', { headers: { 'x-env': 'x' } }, false]]],
    [h({ present_match: false, invert_match: true }), [['/', {}, false], ['/', { headers: { 'x-env': 'x' } }, true]]],
    [h({ exact_match: '', treat_missing_header_as_empty: true }), [['/', {}, true]]],
    [h({ string_match: { exact: '' }, treat_missing_header_as_empty: true }), [['/', {}, true], ['/', { headers: { 'x-env': 'a' } }, false]]],
    [h({ string_match: { exact: 'prod' }, treat_missing_header_as_empty: true, invert_match: true }), [['/', {}, true]]],
    [h({ prefix_match: 'a', treat_missing_header_as_empty: true }), [['/', {}, false]]],
  ];
  for (const [match, table] of cases) check(match, table);
});

test('pseudo-headers are readable by header matchers', () => {
  const h = (name: string, spec: Record<string, JsonValue>) => ({ prefix: '/', headers: [{ name, ...spec }] });
  check(h(':method', { exact_match: 'POST' }), [['/', { method: 'POST' }, true], ['/', { method: 'GET' }, false]]);
  check(h(':authority', { suffix_match: '.com' }), [['/', { authority: 'a.com' }, true], ['/', { authority: 'a.org' }, false]]);
  check(h('host', { exact_match: 'a.com' }), [['/', { authority: 'a.com' }, true]]);
  check(h(':path', { exact_match: '/x?y=1' }), [['/x?y=1', {}, true], ['/x', {}, false]]);
  check(h(':scheme', { exact_match: 'https' }), [['/', { scheme: 'https' }, true], ['/', { scheme: 'http' }, false]]);
  check(h(':protocol', { present_match: false }), [['/', {}, true]]);
});

test('query_parameters: string_match and present_match on the first value', () => {
  const q = (spec: Record<string, JsonValue>) => ({ prefix: '/', query_parameters: [{ name: 'debug', ...spec }] });
  const cases: [JsonValue, Case[]][] = [
    [q({ string_match: { exact: 'true' } }), [
      ['/?debug=true', {}, true], ['/x?a=1&debug=true&b', {}, true], ['/?debug=false', {}, false], ['/', {}, false],
      ['/?debug=false&debug=true', {}, false], ['/?debugx=true', {}, false], ['/?xdebug=true', {}, false],
      ['/?debug=true#frag', {}, true], ['/#?debug=true', {}, false]]],
    [q({ string_match: { prefix: 'T', ignore_case: true } }), [['/?debug=true', {}, true]]],
    [q({ string_match: { safe_regex: { regex: '[0-9]+' } } }), [['/?debug=12', {}, true], ['/?debug=1a', {}, false]]],
    [q({ present_match: true }), [['/?debug', {}, true], ['/?debug=', {}, true], ['/?a=debug', {}, false], ['/', {}, false]]],
    [q({ present_match: false }), [['/?debug', {}, false], ['/?a=1', {}, true], ['/', {}, true]]],
    [q({}), [['/?debug=x', {}, true], ['/', {}, false]]],
  ];
  for (const [match, table] of cases) check(match, table);
});

test('grpc matches gRPC content types only', () => {
  check({ prefix: '/', grpc: {} }, [
    ['/', { headers: { 'content-type': 'application/grpc' } }, true],
    ['/', { headers: { 'content-type': 'application/grpc+proto' } }, true],
    ['/', { headers: { 'content-type': 'application/grpc-web' } }, false],
    ['/', {}, false],
  ]);
});

test('tls_context: without client certificates only presented/validated false can match', () => {
  check({ prefix: '/', tls_context: { presented: false } }, [['/', {}, true]]);
  check({ prefix: '/', tls_context: { presented: true } }, [['/', {}, false]]);
  check({ prefix: '/', tls_context: { validated: true } }, [['/', {}, false]]);
});

test('runtime_fraction uses its default value against the random value', () => {
  const t = oneHost([
    { name: 'canary', match: { prefix: '/', runtime_fraction: { default_value: { numerator: 25, denominator: 'HUNDRED' }, runtime_key: 'k' } }, direct_response: { status: 200 } },
    { name: 'main', match: { prefix: '/' }, direct_response: { status: 200 } },
  ]);
  const cases: [number, string][] = [[0, 'canary'], [0.2499, 'canary'], [0.25, 'main'], [0.9, 'main'], [24, 'canary'], [125, 'main'], [1024, 'canary']];
  for (const [r, want] of cases) assert.equal(t.route(req('/'), r)?.route.name, want, `random ${r}`);
});

test('routes are checked in order and the first match wins', () => {
  const t = oneHost([
    { name: 'exact', match: { path: '/a' }, direct_response: { status: 200 } },
    { name: 'header', match: { prefix: '/a', headers: [{ name: 'x-v', exact_match: '2' }] }, direct_response: { status: 200 } },
    { name: 'prefix', match: { prefix: '/a' }, direct_response: { status: 200 } },
    { name: 'shadowed', match: { prefix: '/a/b' }, direct_response: { status: 200 } },
  ]);
  const cases: [string, RequestOptions, string | undefined][] = [
    ['/a', { headers: { 'x-v': '2' } }, 'exact'], ['/a/b', { headers: { 'x-v': '2' } }, 'header'],
    ['/a/b', {}, 'prefix'], ['/b', {}, undefined],
  ];
  for (const [path, o, want] of cases) assert.equal(t.route(req(path, o), 0)?.route.name, want, path);
});

test('ignore_path_parameters_in_path_matching cuts the path at ";"', () => {
  check({ path: '/a' }, [['/a;jsessionid=1', {}, true], ['/a;x?y', {}, true], ['/b;a', {}, false]],
    { ignore_path_parameters_in_path_matching: true });
  check({ path: '/a' }, [['/a;jsessionid=1', {}, false]]);
});

test('require_tls answers plain-text requests with a redirect to https', () => {
  const mk = (mode: string) => table({
    name: 'r', virtual_hosts: [{ name: 'secure', domains: ['*'], require_tls: mode, routes: [{ name: 'app', match: { prefix: '/' }, route: { cluster: 'c' } }] }],
  });
  const all = mk('ALL');
  const ext = mk('EXTERNAL_ONLY');
  const cases: [typeof all, RequestOptions, string][] = [
    [all, { headers: { 'x-forwarded-proto': 'http' } }, 'redirect'],
    [all, { headers: { 'x-forwarded-proto': 'https' } }, 'route'],
    [all, { scheme: 'https' }, 'route'],
    [all, { headers: { 'x-forwarded-proto': 'http', 'x-envoy-internal': 'true' } }, 'redirect'],
    [ext, { headers: { 'x-forwarded-proto': 'http' } }, 'redirect'],
    [ext, { headers: { 'x-forwarded-proto': 'http', 'x-envoy-internal': 'true' } }, 'route'],
  ];
  for (const [t, o, kind] of cases) {
    const m = t.route(req('/x?y', o), 0);
    assert.equal(m?.route.action.kind, kind, JSON.stringify(o));
    if (kind === 'redirect') assert.equal(m?.route.action.kind === 'redirect' && m.route.action.status, 301);
  }
});
