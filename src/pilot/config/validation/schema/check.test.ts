// Tests of the structural checks: unknown fields, types, enums, required fields, bounds and
// durations, each with its field path and line, in the apiserver's words; and the order of the steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfigText } from '../../yaml-loader.js';
import { validateObject } from '../validate-object.js';
import type { ConfigObject } from '../../object.js';

function validate(yaml: string): { errors: string[]; stage: string | undefined } {
  const { objects, errors } = loadConfigText(yaml, 'f.yaml');
  assert.deepEqual(errors, []);
  assert.equal(objects.length, 1);
  const r = validateObject(objects[0]!);
  return { errors: r.errors.map((e) => e.formatted), stage: r.stage };
}

const VS = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: catalog, namespace: istioinaction}
spec:
  hosts: [catalog]
  http:
  - route:
    - destination: {host: catalog, subset: v1}
      weight: 100
`;

test('a misspelt field anywhere is an unknown field with its path and line, found while decoding', () => {
  assert.deepEqual(validate(VS.replace('weight: 100', 'wieght: 100')), {
    stage: 'decoding',
    errors: ['f.yaml:9: VirtualService istioinaction/catalog: spec.http[0].route[0].wieght: unknown field "spec.http[0].route[0].wieght"'],
  });
  // top level, metadata, a map value's object (a header match) and a DestinationRule's nested traffic policy
  assert.deepEqual(validate(VS.replace('spec:', 'sepc: {}\nspec:')).errors, ['f.yaml:4: VirtualService istioinaction/catalog: sepc: unknown field "sepc"']);
  assert.deepEqual(validate(VS.replace('namespace: istioinaction}', 'namespace: istioinaction, lables: {a: b}}')).errors,
    ['f.yaml:3: VirtualService istioinaction/catalog: metadata.lables: unknown field "metadata.lables"']);
  assert.deepEqual(validate(VS.replace('  - route:', '  - match: [{headers: {x-user: {exactly: jason}}}]\n    route:')).errors,
    ['f.yaml:7: VirtualService istioinaction/catalog: spec.http[0].match[0].headers.x-user.exactly: unknown field "spec.http[0].match[0].headers.x-user.exactly"']);
  const dr = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: catalog}
spec:
  host: catalog
  trafficPolicy:
    connectionPool:
      http: {maxRequestsPerConnection: 1, http1MaxPendingRequest: 1}
`;
  assert.deepEqual(validate(dr).errors,
    ['f.yaml:8: DestinationRule catalog: spec.trafficPolicy.connectionPool.http.http1MaxPendingRequest: unknown field "spec.trafficPolicy.connectionPool.http.http1MaxPendingRequest"']);
});

test('wrong types, enums, bounds, required fields and durations are the schema validation\'s, in its words', () => {
  const vs = VS.replace('      weight: 100', '      weight: 100\n    retries: {attempts: many, perTryTimeout: 2x}\n    timeout: 0.5ms');
  assert.deepEqual(validate(vs), {
    stage: 'validation',
    errors: [
      'f.yaml:10: VirtualService istioinaction/catalog: spec.http[0].retries.attempts: Invalid value: "string": spec.http[0].retries.attempts in body must be of type integer: "string"',
      'f.yaml:10: VirtualService istioinaction/catalog: spec.http[0].retries.perTryTimeout: Invalid value: "string": must be a valid duration greater than 1ms',
      'f.yaml:11: VirtualService istioinaction/catalog: spec.http[0].timeout: Invalid value: "string": must be a valid duration greater than 1ms',
    ],
  });
  const se = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api}
spec:
  hosts: api.example.com
  ports:
  - {number: -80, protocol: HTTP}
  resolution: DNZ
`;
  assert.deepEqual(validate(se).errors, [
    'f.yaml:5: ServiceEntry api: spec.hosts: Invalid value: "string": spec.hosts in body must be of type array: "string"',
    'f.yaml:7: ServiceEntry api: spec.ports[0].number: Invalid value: -80: spec.ports[0].number in body should be greater than or equal to 0',
    'f.yaml:7: ServiceEntry api: spec.ports[0].name: Required value',
    'f.yaml:8: ServiceEntry api: spec.resolution: Unsupported value: "DNZ": supported values: "NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN", "DYNAMIC_DNS"',
  ]);
  const tel = `apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {name: mesh-default, namespace: istio-system}
spec:
  tracing:
  - randomSamplingPercentage: 150
    providers: [{name: ""}]
`;
  assert.deepEqual(validate(tel).errors, [
    'f.yaml:6: Telemetry istio-system/mesh-default: spec.tracing[0].randomSamplingPercentage: Invalid value: 150: spec.tracing[0].randomSamplingPercentage in body should be less than or equal to 100',
    'f.yaml:7: Telemetry istio-system/mesh-default: spec.tracing[0].providers[0].name: Invalid value: "": spec.tracing[0].providers[0].name in body should be at least 1 chars long',
  ]);
});

test('Kubernetes kinds: their basic shape is checked, the deep parts are left open', () => {
  const deploy = `apiVersion: apps/v1
kind: Deployment
metadata: {name: catalog, labels: {app: catalog}}
spec:
  replicas: two
  selector: {matchLabels: {app: catalog}}
  template:
    metadata: {labels: {app: catalog}}
    spec:
      containers:
      - name: catalog
        image: istioinaction/catalog:latest
        env: [{name: PORT, value: 3000}]
        resources: {limits: {cpu: 1, memory: 1Gi}}
        securityContext: {privileged: false}
`;
  assert.deepEqual(validate(deploy).errors, [
    'f.yaml:5: Deployment catalog: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
    'f.yaml:13: Deployment catalog: spec.template.spec.containers[0].env[0].value: Invalid value: "integer": spec.template.spec.containers[0].env[0].value in body must be of type string: "integer"',
  ]);
  assert.deepEqual(validate(deploy.replace('  selector: {matchLabels: {app: catalog}}\n', '')).errors.at(-1),
    'f.yaml:4: Deployment catalog: spec.selector: Required value');
  const svc = 'apiVersion: v1\nkind: Service\nmetadata: {name: catalog}\nspec:\n  ports: [{port: 80, targetPort: true}]\n  typo: 1\n';
  assert.deepEqual(validate(svc).errors, ['f.yaml:6: Service catalog: spec.typo: unknown field "spec.typo"']);
  assert.deepEqual(validate(svc.replace('  typo: 1\n', '')).errors,
    ['f.yaml:5: Service catalog: spec.ports[0].targetPort: Invalid value: "boolean": spec.ports[0].targetPort in body must be of type int-or-string: "boolean"']);
  assert.deepEqual(validate('apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: Opaque\nstringData: {a: b}\n').errors, []);
});

test('null fields count as absent; Istio\'s checks run only on what the schema let through', () => {
  assert.deepEqual(validate(VS.replace('      weight: 100', '      weight: 100\n    timeout:')).errors, []);
  assert.deepEqual(validate(VS.replace('weight: 100', 'weight: -1')), {
    stage: 'admission',
    errors: ['f.yaml:9: VirtualService istioinaction/catalog: spec.http[0].route[0].weight: weight -1 < 0'],
  });
});

test('an object made in code is checked as the document it stands for', () => {
  const secret: ConfigObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, spec: { data: { a: 'Yg==' }, type: 'Opaque' } };
  assert.deepEqual(validateObject(secret).errors, []);
  const vs: ConfigObject = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'v' }, spec: { hosts: ['a'], htp: [] } };
  assert.deepEqual(validateObject(vs).errors.map((e) => e.formatted), ['VirtualService v: spec.htp: unknown field "spec.htp"']);
});
