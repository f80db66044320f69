// Tests that the generated proxy configs are accepted by the real tools (nginx -t, haproxy -c)
// and that Strait's bootstrap has the listener -> HCM -> router -> STATIC cluster chain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { haproxyCfg, proxyNginxConf, straitBootstrapYaml, upstreamNginxConf } from './configs.js';
import { findTool } from './processes.js';

const nginx = findTool('nginx');
const haproxy = findTool('haproxy');
const user = process.getuid?.() === 0 ? os.userInfo().username : undefined;

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'strait-bench-test-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('nginx accepts the upstream and proxy configs', { skip: nginx === undefined && 'nginx not installed' }, () => {
  withDir((dir) => {
    for (const [name, conf] of [
      ['upstream', upstreamNginxConf(path.join(dir, 'upstream'), 18081, 'x'.repeat(1024), user)],
      ['proxy', proxyNginxConf(path.join(dir, 'proxy'), 18082, 18081, user)],
    ] as const) {
      const prefix = path.join(dir, name);
      mkdirSync(prefix);
      writeFileSync(path.join(prefix, 'nginx.conf'), conf);
      const r = spawnSync(nginx!, ['-t', '-p', prefix + '/', '-c', path.join(prefix, 'nginx.conf'), '-e', 'stderr'], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${name}: ${r.stderr}`);
    }
  });
});

test('the upstream body is inlined only when it cannot break the config', () => {
  assert.throws(() => upstreamNginxConf('/d', 1, 'a"; }', undefined), /alphanumeric/);
});

test('haproxy accepts its config', { skip: haproxy === undefined && 'haproxy not installed' }, () => {
  withDir((dir) => {
    const cfg = path.join(dir, 'haproxy.cfg');
    writeFileSync(cfg, haproxyCfg(18083, 18081));
    const r = spawnSync(haproxy!, ['-c', '-f', cfg], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});

test('the Strait bootstrap routes everything to a STATIC cluster at the upstream', () => {
  const b = parse(straitBootstrapYaml(18084, 18085, 18081));
  const listener = b.static_resources.listeners[0];
  assert.equal(listener.address.socket_address.port_value, 18084);
  const hcm = listener.filter_chains[0].filters[0];
  assert.equal(hcm.name, 'envoy.filters.network.http_connection_manager');
  assert.equal(hcm.typed_config.route_config.virtual_hosts[0].routes[0].route.cluster, 'bench_upstream');
  assert.equal(hcm.typed_config.http_filters.at(-1).typed_config['@type'],
    'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router');
  const cluster = b.static_resources.clusters[0];
  assert.equal(cluster.type, 'STATIC');
  assert.equal(cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value, 18081);
  assert.equal(b.admin.address.socket_address.port_value, 18085);
});
