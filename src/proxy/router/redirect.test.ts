// Redirect Locations as Envoy's newUri builds them (every RedirectAction field, with the documented
// path_redirect examples), response codes, and direct_response bodies from each data source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonValue } from '@bufbuild/protobuf';
import { RouteConfigError } from './errors.js';
import { redirectLocation } from './rewrite.js';
import { oneHost, req, type RequestOptions } from './test-support.js';

/** Location and status for a request under one redirect route. */
function redirect(match: JsonValue, action: JsonValue, path: string, o: RequestOptions = {}): [string, number] {
  const t = oneHost([{ match, redirect: action }]);
  const head = req(path, o);
  const m = t.route(head, 0);
  assert.ok(m !== null && m.route.action.kind === 'redirect', `no redirect for ${path}`);
  return [redirectLocation(m.route, head), m.route.action.status];
}

test('path_redirect: the documented query-string examples', () => {
  const cases: [JsonValue, string, string][] = [
    [{ path_redirect: '/new-path-1' }, '/old-path-1?bar=1', 'http://example.com/new-path-1?bar=1'],
    [{ path_redirect: '/new-path-2', strip_query: true }, '/old-path-2?bar=1', 'http://example.com/new-path-2'],
    [{ path_redirect: '/new-path-3?foo=1', strip_query: true }, '/old-path-3?bar=1', 'http://example.com/new-path-3?foo=1'],
    [{ path_redirect: 'relative' }, '/x', 'http://example.com/relative'],
  ];
  for (const [action, path, want] of cases) assert.equal(redirect({ prefix: '/' }, action, path)[0], want, JSON.stringify(action));
});

test('scheme, host and port redirects (ports dropped as Envoy does)', () => {
  const xfp = (p: string) => ({ headers: { 'x-forwarded-proto': p } });
  const cases: [JsonValue, string, RequestOptions, string][] = [
    [{ https_redirect: true }, 'example.com', xfp('http'), 'https://example.com/p?q=1'],
    [{ https_redirect: true }, 'example.com:80', xfp('http'), 'https://example.com/p?q=1'],
    [{ https_redirect: true }, 'example.com:8080', xfp('http'), 'https://example.com:8080/p?q=1'],
    [{ https_redirect: true }, 'example.com:80', {}, 'https://example.com:80/p?q=1'],   // no x-forwarded-proto: port kept
    [{ scheme_redirect: 'http' }, 'example.com:443', { scheme: 'https', ...xfp('https') }, 'http://example.com/p?q=1'],
    [{ scheme_redirect: 'https' }, 'example.com:443', { scheme: 'https', ...xfp('https') }, 'https://example.com:443/p?q=1'],
    [{ host_redirect: 'other.com' }, 'example.com:8080', {}, 'http://other.com/p?q=1'],
    [{ port_redirect: 8443 }, 'example.com:8080', {}, 'http://example.com:8443/p?q=1'],
    [{ port_redirect: 8443 }, '[::1]:8080', {}, 'http://[::1]:8443/p?q=1'],
    [{ port_redirect: 8443 }, '[::1]', {}, 'http://[::1]:8443/p?q=1'],
    [{ host_redirect: 'other.com', port_redirect: 9000, https_redirect: true }, 'example.com', {}, 'https://other.com:9000/p?q=1'],
    [{ https_redirect: true, strip_query: true }, 'example.com', {}, 'https://example.com/p'],
    [{ host_redirect: 'h' }, 'example.com', { scheme: 'https' }, 'https://h/p?q=1'],   // scheme follows :scheme
  ];
  for (const [action, authority, o, want] of cases) {
    assert.equal(redirect({ prefix: '/' }, action, '/p?q=1', { authority, ...o })[0], want, `${JSON.stringify(action)} ${authority}`);
  }
});

test('prefix_rewrite and regex_rewrite redirects rewrite the path, keeping the query unless stripped', () => {
  const cases: [JsonValue, JsonValue, string, string][] = [
    [{ prefix: '/old/' }, { prefix_rewrite: '/new/' }, '/old/a/b?c=1', 'http://example.com/new/a/b?c=1'],
    [{ prefix: '/old' }, { prefix_rewrite: '' , host_redirect: 'x' }, '/old/a', 'http://x/old/a'],
    [{ prefix: '/old/' }, { prefix_rewrite: '/new/', strip_query: true }, '/old/a?c=1', 'http://example.com/new/a'],
    [{ path: '/a' }, { prefix_rewrite: '/b' }, '/a?x', 'http://example.com/b?x'],
    [{ prefix: '/' }, { regex_rewrite: { pattern: { regex: '^/service/([^/]+)(/.*)$' }, substitution: '\\2/instance/\\1' } },
      '/service/foo/v1/api?k=v', 'http://example.com/v1/api/instance/foo?k=v'],
    [{ prefix: '/' }, { regex_rewrite: { pattern: { regex: '^/x' }, substitution: 'y' } }, '/x/z', 'http://example.com/y/z'],
  ];
  for (const [match, action, path, want] of cases) assert.equal(redirect(match, action, path)[0], want, JSON.stringify(action));
});

test('redirect response codes: 301 by default', () => {
  const cases: [string | undefined, number][] = [
    [undefined, 301], ['MOVED_PERMANENTLY', 301], ['FOUND', 302], ['SEE_OTHER', 303], ['TEMPORARY_REDIRECT', 307],
    ['PERMANENT_REDIRECT', 308],
  ];
  for (const [code, want] of cases) {
    const action: JsonValue = code === undefined ? { path_redirect: '/x' } : { path_redirect: '/x', response_code: code };
    assert.equal(redirect({ prefix: '/' }, action, '/')[1], want, String(code));
  }
});

test('require_tls redirect keeps host and port: https:// + authority + path', () => {
  const t = oneHost([{ match: { prefix: '/' }, route: { cluster: 'c' } }], {}, { require_tls: 'ALL' });
  const head = req('/a?b=1', { authority: 'example.com:8080', headers: { 'x-forwarded-proto': 'http' } });
  const m = t.route(head, 0)!;
  assert.equal(redirectLocation(m.route, head), 'https://example.com:8080/a?b=1');
});

test('direct_response: status and body from inline_string, inline_bytes, filename, environment_variable', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strait-router-'));
  try {
    const file = join(dir, 'body.txt');
    writeFileSync(file, 'from a file\n');
    process.env.STRAIT_ROUTER_TEST_BODY = 'from the env';
    const t = oneHost([
      { match: { path: '/s' }, direct_response: { status: 200, body: { inline_string: 'hello' } } },
      { match: { path: '/b' }, direct_response: { status: 503, body: { inline_bytes: Buffer.from('bytes').toString('base64') } } },
      { match: { path: '/f' }, direct_response: { status: 200, body: { filename: file } } },
      { match: { path: '/e' }, direct_response: { status: 200, body: { environment_variable: 'STRAIT_ROUTER_TEST_BODY' } } },
      { match: { path: '/none' }, direct_response: { status: 204 } },
    ]);
    const cases: [string, number, string | null][] = [
      ['/s', 200, 'hello'], ['/b', 503, 'bytes'], ['/f', 200, 'from a file\n'], ['/e', 200, 'from the env'], ['/none', 204, null],
    ];
    for (const [path, status, body] of cases) {
      const a = t.route(req(path), 0)?.route.action;
      assert.ok(a?.kind === 'direct_response');
      assert.equal(a.status, status);
      assert.equal(a.body === null ? null : a.body.toString(), body, path);
    }
    assert.throws(() => oneHost([{ match: { prefix: '/' }, direct_response: { status: 200, body: { filename: join(dir, 'missing') } } }]),
      (e: unknown) => e instanceof RouteConfigError && e.path === '.virtual_hosts[0].routes[0].direct_response.body.filename' &&
        e.detail === `response body file ${join(dir, 'missing')} does not exist`);
  } finally {
    delete process.env.STRAIT_ROUTER_TEST_BODY;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('direct_response bodies are limited by max_direct_response_body_size_bytes (4096 by default)', () => {
  const big = 'x'.repeat(4097);
  assert.throws(() => oneHost([{ match: { prefix: '/' }, direct_response: { status: 200, body: { inline_string: big } } }]),
    /^RouteConfigError: \.virtual_hosts\[0\]\.routes\[0\]\.direct_response\.body: response body size is 4097 bytes; maximum is 4096$/);
  const t = oneHost([{ match: { prefix: '/' }, direct_response: { status: 200, body: { inline_string: big } } }],
    { max_direct_response_body_size_bytes: 5000 });
  const a = t.route(req('/'), 0)?.route.action;
  assert.equal(a?.kind === 'direct_response' && a.body?.length, 4097);
});

test('a 3xx direct response gets the request URL as Location, as in Envoy', () => {
  const t = oneHost([{ match: { prefix: '/' }, direct_response: { status: 301 } }]);
  const head = req('/here?x=1', { authority: 'example.com' });
  assert.equal(redirectLocation(t.route(head, 0)!.route, head), 'http://example.com/here?x=1');
});
