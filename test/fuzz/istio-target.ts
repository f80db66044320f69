// Fuzz target (c): mutated Istio and Kubernetes objects (the demo sample, the book's configs, and one
// object of every other validated kind) go through the config loader and webhook-style validation.
import assert from 'node:assert/strict';
import { loadConfigText } from '../../src/pilot/config/yaml-loader.js';
import { validateObject } from '../../src/pilot/config/validation/validate-object.js';
import { caseText, docCase, INTERNAL_ERROR, YAML_REGRESSIONS, type DocCase, type Json } from './doc-mutation.js';
import type { FuzzTarget } from './runner.js';
import { bookPath, repoPath, seedDocuments } from './seeds.js';

const meta = (name: string): Json => ({ name, namespace: 'istioinaction', labels: { app: name } });
const NET = 'networking.istio.io/v1';
const SEC = 'security.istio.io/v1';

/** One valid object of each kind the sample lacks. */
const KIND_SEEDS: Json[] = [
  { apiVersion: NET, kind: 'DestinationRule', metadata: meta('catalog'), spec: {
    host: 'catalog.istioinaction.svc.cluster.local',
    trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' }, connectionPool: { tcp: { maxConnections: 10 },
      http: { http1MaxPendingRequests: 1, maxRequestsPerConnection: 1 } },
    outlierDetection: { consecutive5xxErrors: 1, interval: '5s', baseEjectionTime: '30s', maxEjectionPercent: 100 },
    tls: { mode: 'ISTIO_MUTUAL' } },
    subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' },
      trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'x-user' } } } }] } },
  { apiVersion: NET, kind: 'ServiceEntry', metadata: meta('jsonplaceholder'), spec: {
    hosts: ['jsonplaceholder.typicode.com'], ports: [{ number: 80, name: 'http', protocol: 'HTTP' }],
    resolution: 'DNS', location: 'MESH_EXTERNAL' } },
  { apiVersion: NET, kind: 'Sidecar', metadata: meta('default'), spec: {
    workloadSelector: { labels: { app: 'webapp' } },
    egress: [{ hosts: ['./*', 'istio-system/*'] }], outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } } },
  { apiVersion: NET, kind: 'WorkloadEntry', metadata: meta('vm'), spec: {
    address: '10.0.0.7', labels: { app: 'vm' }, ports: { http: 8080 }, serviceAccount: 'vm' } },
  { apiVersion: NET, kind: 'VirtualService', metadata: meta('catalog-vs'), spec: {
    hosts: ['catalog'], http: [{ match: [{ headers: { 'x-dark': { exact: 'v2' } }, uri: { prefix: '/items' } },
      { uri: { regex: '/api/v[0-9]+/.*' } }],
    route: [{ destination: { host: 'catalog', subset: 'v2', port: { number: 80 } }, weight: 80 },
      { destination: { host: 'catalog', subset: 'v1' }, weight: 20 }],
    retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx,connect-failure' }, timeout: '5s',
    fault: { abort: { percentage: { value: 10 }, httpStatus: 503 }, delay: { fixedDelay: '1s', percentage: { value: 5 } } },
    mirror: { host: 'catalog', subset: 'v2' }, mirrorPercentage: { value: 50 },
    corsPolicy: { allowOrigins: [{ exact: 'https://x' }], allowMethods: ['GET'], maxAge: '24h' },
    headers: { request: { set: { 'x-a': 'b' } } }, rewrite: { uri: '/' } }],
    tcp: [{ match: [{ port: 3306 }], route: [{ destination: { host: 'db', port: { number: 3306 } } }] }] } },
  { apiVersion: SEC, kind: 'PeerAuthentication', metadata: meta('default'), spec: {
    selector: { matchLabels: { app: 'webapp' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 8080: { mode: 'PERMISSIVE' } } } },
  { apiVersion: SEC, kind: 'AuthorizationPolicy', metadata: meta('allow'), spec: {
    selector: { matchLabels: { app: 'webapp' } }, action: 'ALLOW',
    rules: [{ from: [{ source: { principals: ['cluster.local/ns/istioinaction/sa/webapp'] } }],
      to: [{ operation: { methods: ['GET'], paths: ['/api/*'] } }], when: [{ key: 'request.headers[x]', values: ['y'] }] }] } },
  { apiVersion: SEC, kind: 'RequestAuthentication', metadata: meta('jwt'), spec: {
    selector: { matchLabels: { app: 'webapp' } },
    jwtRules: [{ issuer: 'auth@istioinaction.io', jwksUri: 'https://example.com/jwks.json', forwardOriginalToken: true }] } },
  { apiVersion: 'telemetry.istio.io/v1', kind: 'Telemetry', metadata: meta('mesh'), spec: {
    tracing: [{ randomSamplingPercentage: 10, customTags: { env: { literal: { value: 'prod' } } } }],
    accessLogging: [{ providers: [{ name: 'envoy' }] }],
    metrics: [{ providers: [{ name: 'prometheus' }], overrides: [{ match: { metric: 'REQUEST_COUNT', mode: 'CLIENT_AND_SERVER' },
      tagOverrides: { request_host: { value: 'request.host' } } }] }] } },
];

function seeds(): Json[] {
  const chapters = ['ch2', 'ch4', 'ch5', 'ch7', 'ch8', 'ch10', 'ch11', 'appendices'].map(bookPath);
  return [...KIND_SEEDS, ...seedDocuments([repoPath('samples/demo'), ...chapters], (d) => typeof d['kind'] === 'string')];
}

function checkFinding(e: { path: unknown; message: unknown; formatted: unknown }): void {
  assert.equal(typeof e.path, 'string', 'a finding has a field path');
  assert.ok(typeof e.message === 'string' && e.message !== '', 'a finding has a message');
  assert.equal(typeof e.formatted, 'string');
  assert.doesNotMatch(e.message as string, INTERNAL_ERROR, `an internal failure passed off as a finding: ${e.path as string}: ${e.message as string}`);
}

/** Loads `text` as a config file and validates every object; throws unless both only report. */
export function checkIstioText(text: string): void {
  const { objects, errors } = loadConfigText(text, 'fuzz.yaml');
  for (const e of errors) {
    assert.ok(Number.isInteger(e.line) && e.line >= 1, 'a load error has a line');
    assert.doesNotMatch(e.message, INTERNAL_ERROR, 'an internal failure passed off as a load error');
  }
  for (const o of objects) {
    const r = validateObject(o);
    r.errors.forEach(checkFinding);
    r.warnings.forEach(checkFinding);
  }
}

export function istioTarget(): FuzzTarget<DocCase> {
  const docs = seeds();
  return {
    name: 'istio-validation',
    property: 'a mutated Istio/Kubernetes object loads and validates to a list of errors (or none); nothing throws',
    arbitrary: docCase(docs.length),
    examples: YAML_REGRESSIONS,
    caseTimeoutMs: 5000,
    start: () => ({ check: (c) => checkIstioText(caseText(docs, c)) }),
  };
}

/** For tests: the seeds that are not valid as they stand (should be none). */
export function invalidIstioSeeds(): string[] {
  return KIND_SEEDS.flatMap((d) => {
    const { objects } = loadConfigText(JSON.stringify(d), 'seed.json');
    return objects.flatMap((o) => validateObject(o).errors.map((e) => e.formatted));
  });
}
