// Virtual host selection: Envoy's precedence (exact, suffix wildcard, prefix wildcard, `*`), case,
// ports (default, ignore_port_in_host_matching, strip_*_host_port) and domain config errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripHostPort } from './finalize.js';
import { RouteConfigError } from './errors.js';
import { req, table } from './test-support.js';

const ROUTES = [{ match: { prefix: '/' }, direct_response: { status: 200 } }];

function vh(name: string, domains: string[]) {
  return { name, domains, routes: ROUTES };
}

const t = table({
  name: 'r',
  virtual_hosts: [
    vh('exact', ['www.example.com', 'api.example.com:8080']),
    vh('suffix-long', ['*-bar.baz.com']),
    vh('suffix', ['*.baz.com', '*.example.com']),
    vh('prefix-long', ['foo.bar.*']),
    vh('prefix', ['foo.*']),
    vh('any', ['*']),
  ],
});

test('virtual host precedence: exact > suffix wildcard (longest first) > prefix wildcard (longest first) > *', () => {
  const cases: [string, string][] = [
    ['www.example.com', 'exact'],
    ['WWW.Example.COM', 'exact'],
    ['other.example.com', 'suffix'],
    ['foo-bar.baz.com', 'suffix-long'],
    ['x.foo-bar.baz.com', 'suffix-long'],
    ['a.baz.com', 'suffix'],
    ['foo.baz.com', 'suffix'],          // a suffix wildcard beats a prefix wildcard
    ['foo.bar.com', 'prefix-long'],
    ['foo.bar', 'prefix'],              // `foo.bar.*` needs something after the dot
    ['foo.qux', 'prefix'],
    ['baz.com', 'any'],                 // *.baz.com does not match baz.com
    ['.baz.com', 'any'],                // ... nor .baz.com
    ['-bar.baz.com', 'suffix'],         // *-bar.baz.com needs a non-empty wildcard
    ['unknown.org', 'any'],
    ['api.example.com:8080', 'exact'],
    ['api.example.com', 'suffix'],
    ['www.example.com:80', 'any'],      // the port is part of the host: *.example.com does not match
    ['x.baz.com:443', 'any'],
    ['foo.com:8080', 'prefix'],         // ... while foo.* does
  ];
  for (const [authority, want] of cases) {
    assert.equal(t.route(req('/', { authority }), 0)?.virtualHost.name, want, authority);
    assert.equal(t.findVirtualHost(authority)?.name, want, authority);
  }
});

test('without a * virtual host, unmatched hosts and ports get no route', () => {
  const t2 = table({ name: 'r', virtual_hosts: [vh('a', ['example.com']), vh('b', ['*.example.net'])] });
  assert.equal(t2.route(req('/', { authority: 'example.com' }), 0)?.virtualHost.name, 'a');
  assert.equal(t2.route(req('/', { authority: 'example.com:8080' }), 0), null);
  assert.equal(t2.route(req('/', { authority: 'example.org' }), 0), null);
  assert.equal(t2.route(req('/', { authority: '' }), 0), null);
  assert.equal(t2.route(req('/', { authority: 'x.example.net' }), 0)?.virtualHost.name, 'b');
  assert.equal(t2.route(req('/', { authority: 'x.example.net:9000' }), 0), null);
});

test('a lone * virtual host serves every request, even without an authority', () => {
  const t2 = table({ name: 'r', virtual_hosts: [vh('any', ['*'])] });
  assert.equal(t2.route(req('/', { authority: '' }), 0)?.virtualHost.name, 'any');
  assert.equal(t2.route(req('/', { authority: 'whatever:1' }), 0)?.virtualHost.name, 'any');
});

test('ignore_port_in_host_matching drops the request port (not the domains\')', () => {
  const t2 = table({
    name: 'r', ignore_port_in_host_matching: true,
    virtual_hosts: [vh('plain', ['example.com']), vh('v6', ['[::1]']), vh('ported', ['other.com:8080'])],
  });
  const cases: [string, string | undefined][] = [
    ['example.com:8080', 'plain'],
    ['EXAMPLE.com:1', 'plain'],
    ['example.com', 'plain'],
    ['[::1]:8080', 'v6'],
    ['[::1]', 'v6'],
    ['other.com:8080', undefined],       // the domain keeps its port, the request loses it
  ];
  for (const [authority, want] of cases) assert.equal(t2.route(req('/', { authority }), 0)?.virtualHost.name, want, authority);
});

test('stripHostPort: strip_any_host_port and strip_matching_host_port', () => {
  const cases: [string, string, number | undefined, string][] = [
    ['GET', 'example.com:8080', undefined, 'example.com'],
    ['GET', 'example.com:8080', 8080, 'example.com'],
    ['GET', 'example.com:8080', 80, 'example.com:8080'],
    ['GET', 'example.com', undefined, 'example.com'],
    ['GET', '[::1]:443', 443, '[::1]'],
    ['GET', '[::1]', undefined, '[::1]'],
    ['GET', 'example.com:abc', undefined, 'example.com:abc'],
    ['CONNECT', 'example.com:443', undefined, 'example.com:443'],
  ];
  for (const [method, authority, port, want] of cases) {
    assert.equal(stripHostPort(req('/', { method, authority }), port), want, `${method} ${authority} ${port}`);
  }
});

test('domain config errors name the field, with Envoy\'s messages', () => {
  assert.throws(() => table({ name: 'rc', virtual_hosts: [vh('a', ['x.com']), vh('b', ['X.com'])] }), (e: unknown) => {
    assert.ok(e instanceof RouteConfigError);
    assert.equal(e.path, '.virtual_hosts[1].domains[0]');
    assert.equal(e.detail, 'Only unique values for domains are permitted. Duplicate entry of domain x.com in route rc');
    return true;
  });
  assert.throws(() => table({ name: 'rc', virtual_hosts: [vh('a', ['*']), vh('b', ['*'])] }),
    /^RouteConfigError: \.virtual_hosts\[1\]\.domains\[0\]: Only a single wildcard domain is permitted in route rc$/);
  assert.throws(() => table({ name: 'rc', virtual_hosts: [vh('a', ['*.x.com', '*.x.com'])] }),
    /\.virtual_hosts\[0\]\.domains\[1\]: Only unique values for domains/);
});
