// Fuzz target (b): mutated Envoy bootstraps from the test fixtures (and the book's ch3 configs) go
// through the bootstrap loader, which must accept them or return config errors with a field path.
import assert from 'node:assert/strict';
import { loadBootstrap } from '../../src/proxy/bootstrap/index.js';
import { bootstrapYaml, simpleRoutes } from '../lib/config.js';
import { caseText, docCase, INTERNAL_ERROR, YAML_REGRESSIONS, type DocCase, type Json } from './doc-mutation.js';
import type { FuzzTarget } from './runner.js';
import { bookPath, repoPath, seedDocuments } from './seeds.js';

function seeds(): Json[] {
  const routes = simpleRoutes([
    { match: { prefix: '/a', headers: [{ name: 'x-v', string_match: { safe_regex: { regex: 'v[0-9]+' } } }] },
      route: { cluster: 'c', timeout: '2s', retry_policy: { retry_on: '5xx', num_retries: 2 } } },
    { match: { path: '/d' }, direct_response: { status: 200, body: { inline_string: 'ok' } } },
  ]);
  const own = JSON.parse(bootstrapYaml({ routeConfig: routes, clusters: [{ name: 'c', ports: [1, 2],
    extra: { circuit_breakers: { thresholds: [{ max_connections: 10 }] }, lb_policy: 'RING_HASH' } }],
  hcm: { codec_type: 'HTTP1', stream_idle_timeout: '5s' } })) as Json;
  return [own, ...seedDocuments([repoPath('test/fixtures/envoy-sandboxes'), bookPath('ch3')])];
}

/** Loads `text` as --config-yaml; throws unless it loads or every error is a config error with a path. */
export function checkBootstrapText(text: string): void {
  const r = loadBootstrap({ yaml: text });
  if (r.ok) return;
  assert.ok(r.errors.length > 0, 'a rejected bootstrap has errors');
  for (const e of r.errors) {
    assert.equal(typeof e.path, 'string', 'every error has a field path');
    assert.ok(typeof e.message === 'string' && e.message !== '', 'every error has a message');
    assert.doesNotMatch(e.message, INTERNAL_ERROR, `an internal failure passed off as a config error: ${e.path}: ${e.message.slice(0, 300)}`);
  }
}

export function bootstrapTarget(): FuzzTarget<DocCase> {
  const docs = seeds();
  return {
    name: 'bootstrap',
    property: 'a mutated bootstrap (YAML or JSON) loads, or is rejected with config errors that carry a field path; nothing throws',
    arbitrary: docCase(docs.length),
    examples: YAML_REGRESSIONS,
    caseTimeoutMs: 5000,
    start: () => ({ check: (c) => checkBootstrapText(caseText(docs, c)) }),
  };
}
