// Tests filter chain matching against Envoy's rules: the level order, most specific value per level,
// no backtracking, the default chain, source types and CIDRs, and the config errors Envoy reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromJson, type JsonObject } from '@bufbuild/protobuf';
import { FilterChainMatchSchema } from '../../xds/gen/envoy/config/listener/v3/listener_components_pb.js';
import { ListenerConfigError } from './errors.js';
import { FilterChainManager, type ConnectionMatchInfo } from './filter-chain-manager.js';

function manager(chains: [string, JsonObject | undefined][], dflt: string | null = null): FilterChainManager<string> {
  return new FilterChainManager(chains.map(([name, m], i) => ({
    name, chain: name, path: `.listeners[0].filter_chains[${i}]`,
    match: m === undefined ? undefined : fromJson(FilterChainMatchSchema, m),
  })), dflt, '127.0.0.1:10000');
}

function conn(over: Partial<ConnectionMatchInfo> = {}): ConnectionMatchInfo {
  return {
    localIp: '10.0.0.1', localPort: 443, remoteIp: '192.168.1.5', remotePort: 40000, directRemoteIp: '192.168.1.5',
    serverName: '', transportProtocol: 'raw_buffer', alpn: [], ...over,
  };
}

test('server names: exact, then the longest *.suffix, then a chain without server_names', () => {
  const m = manager([
    ['exact', { server_names: ['www.example.com'] }],
    ['wild', { server_names: ['*.example.com'] }],
    ['com', { server_names: ['*.com'] }],
    ['any', {}],
  ]);
  assert.equal(m.find(conn({ serverName: 'www.example.com' })), 'exact');
  assert.equal(m.find(conn({ serverName: 'api.example.com' })), 'wild');
  assert.equal(m.find(conn({ serverName: 'a.b.example.com' })), 'wild');
  assert.equal(m.find(conn({ serverName: 'example.com' })), 'com');
  assert.equal(m.find(conn({ serverName: 'example.org' })), 'any');
  assert.equal(m.find(conn()), 'any');
});

test('server names are compared lower-cased', () => {
  const m = manager([['x', { server_names: ['WWW.Example.COM'] }]]);
  assert.equal(m.find(conn({ serverName: 'www.example.com' })), 'x');
});

test('destination port first: a port with its own chains never falls back to port-less ones', () => {
  const m = manager([
    ['p443-sni', { destination_port: 443, server_names: ['a.test'] }],
    ['anyport', {}],
  ], 'default');
  assert.equal(m.find(conn({ serverName: 'a.test' })), 'p443-sni');
  // Port 443 has chains, none for b.test: the default chain, not "anyport".
  assert.equal(m.find(conn({ serverName: 'b.test' })), 'default');
  assert.equal(m.find(conn({ localPort: 8443 })), 'anyport');
});

test('no backtracking: a matching server name wins even if its transport protocol then fails', () => {
  const m = manager([
    ['tls-only', { server_names: ['a.test'], transport_protocol: 'tls' }],
    ['catch-all', {}],
  ]);
  assert.equal(m.find(conn({ serverName: 'a.test', transportProtocol: 'tls' })), 'tls-only');
  assert.equal(m.find(conn({ serverName: 'a.test', transportProtocol: 'raw_buffer' })), null);
  assert.equal(m.find(conn({ serverName: 'b.test', transportProtocol: 'raw_buffer' })), 'catch-all');
});

test('transport protocol and application protocols (the client\'s ALPN order decides)', () => {
  const m = manager([
    ['tls-h2', { transport_protocol: 'tls', application_protocols: ['h2'] }],
    ['tls-h1', { transport_protocol: 'tls', application_protocols: ['http/1.1'] }],
    ['tls', { transport_protocol: 'tls' }],
    ['raw', { transport_protocol: 'raw_buffer' }],
  ]);
  assert.equal(m.find(conn({ transportProtocol: 'tls', alpn: ['h2', 'http/1.1'] })), 'tls-h2');
  assert.equal(m.find(conn({ transportProtocol: 'tls', alpn: ['http/1.1', 'h2'] })), 'tls-h1');
  assert.equal(m.find(conn({ transportProtocol: 'tls', alpn: ['imap'] })), 'tls');
  assert.equal(m.find(conn({ transportProtocol: 'raw_buffer' })), 'raw');
});

test('destination and source CIDRs: the longest prefix wins; source ports exactly', () => {
  const m = manager([
    ['dst-wide', { prefix_ranges: [{ address_prefix: '10.0.0.0', prefix_len: 8 }] }],
    ['dst-narrow', { prefix_ranges: [{ address_prefix: '10.0.0.0', prefix_len: 24 }] }],
  ]);
  assert.equal(m.find(conn({ localIp: '10.0.0.1' })), 'dst-narrow');
  assert.equal(m.find(conn({ localIp: '10.9.0.1' })), 'dst-wide');
  assert.equal(m.find(conn({ localIp: '11.0.0.1' })), null);

  const s = manager([
    ['src-net', { source_prefix_ranges: [{ address_prefix: '192.168.0.0', prefix_len: 16 }] }],
    ['src-port', { source_prefix_ranges: [{ address_prefix: '192.168.0.0', prefix_len: 16 }], source_ports: [40000] }],
    ['anyone', {}],
  ]);
  assert.equal(s.find(conn()), 'src-port');
  assert.equal(s.find(conn({ remotePort: 40001 })), 'src-net');
  assert.equal(s.find(conn({ remoteIp: '172.16.0.1', remotePort: 40001 })), 'anyone');
});

test('source type: loopback peers are SAME_IP_OR_LOOPBACK, others EXTERNAL, else ANY', () => {
  const m = manager([
    ['local', { source_type: 'SAME_IP_OR_LOOPBACK' }],
    ['external', { source_type: 'EXTERNAL' }],
  ]);
  assert.equal(m.find(conn({ remoteIp: '127.0.0.1' })), 'local');
  assert.equal(m.find(conn({ remoteIp: '10.0.0.1', localIp: '10.0.0.1' })), 'local');
  assert.equal(m.find(conn({ remoteIp: '8.8.8.8' })), 'external');
  const onlyLocal = manager([['local', { source_type: 'SAME_IP_OR_LOOPBACK' }]], 'default');
  assert.equal(onlyLocal.find(conn({ remoteIp: '8.8.8.8' })), 'default');
});

test('no filter_chain_match at all matches everything; the default chain is used only when nothing does', () => {
  assert.equal(manager([['all', undefined]]).find(conn({ serverName: 'x.test', transportProtocol: 'tls' })), 'all');
  assert.equal(manager([['a', { server_names: ['a.test'] }]], 'fallback').find(conn({ serverName: 'b.test' })), 'fallback');
  assert.equal(manager([['a', { server_names: ['a.test'] }]]).find(conn({ serverName: 'b.test' })), null);
});

function configError(f: () => unknown): ListenerConfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof ListenerConfigError) return e;
    throw e;
  }
  throw new Error('expected a ListenerConfigError');
}

test('config errors as Envoy words them, with the field path', () => {
  const same = configError(() => manager([['one', { server_names: ['a.test'] }], ['two', { server_names: ['a.test'] }]]));
  assert.equal(same.message, ".listeners[0].filter_chains[1]: error adding listener '127.0.0.1:10000': filter chain 'two' "
    + "has the same matching rules defined as 'one'");
  const overlap = configError(() => manager([
    ['one', { server_names: ['a.test', 'b.test'] }], ['two', { server_names: ['b.test'] }]]));
  assert.equal(overlap.detail, "error adding listener '127.0.0.1:10000': multiple filter chains with overlapping matching rules are defined");
  const partial = configError(() => manager([['p', { server_names: ['www.*.com'] }]]));
  assert.equal(partial.message, ".listeners[0].filter_chains[0].filter_chain_match.server_names[0]: error adding listener "
    + "'127.0.0.1:10000': partial wildcards are not supported in \"server_names\"");
  const cidr = configError(() => manager([['c', { prefix_ranges: [{ address_prefix: 'not-an-ip', prefix_len: 8 }] }]]));
  assert.equal(cidr.path, '.listeners[0].filter_chains[0].filter_chain_match.prefix_ranges[0]');
  const suffix = configError(() => manager([['s', { address_suffix: '1' }]]));
  assert.match(suffix.detail, /filter chain 's' contains unimplemented fields/);
});
