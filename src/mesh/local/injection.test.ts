// Istio's injection policy as a table: namespace labels x the pod's sidecar.istio.io/inject label and annotation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sidecarInjected } from './injection.js';

type Row = [namespace: Record<string, string>, labels: Record<string, string>, annotations: Record<string, string>, injected: boolean];
const ENABLED = { 'istio-injection': 'enabled' };
const DISABLED = { 'istio-injection': 'disabled' };
const REV = { 'istio.io/rev': 'default' };
const INJECT = (v: string): Record<string, string> => ({ 'sidecar.istio.io/inject': v });

const ROWS: Row[] = [
  // No namespace label (Kubernetes' default namespace): only the pod label opts in.
  [{}, {}, {}, false],
  [{}, INJECT('true'), {}, true],
  [{}, {}, INJECT('true'), false],
  [{}, INJECT('false'), {}, false],
  [{}, { 'istio.io/rev': 'default' }, {}, true],
  [{}, { 'istio.io/rev': 'canary' }, {}, false],
  // istio-injection=enabled: every pod, except one opted out by label or annotation (the label wins).
  [ENABLED, {}, {}, true],
  [ENABLED, INJECT('false'), {}, false],
  [ENABLED, {}, INJECT('false'), false],
  [ENABLED, {}, INJECT('true'), true],
  [ENABLED, INJECT('true'), INJECT('false'), true],
  [ENABLED, {}, INJECT('no'), false],
  [ENABLED, {}, INJECT('Yes'), true],
  [ENABLED, {}, INJECT(''), true],
  // istio-injection=disabled (or any value but enabled): none, even for pods that ask.
  [DISABLED, {}, {}, false],
  [DISABLED, INJECT('true'), {}, false],
  [{ 'istio-injection': 'true' }, {}, {}, false],
  // istio.io/rev: the default revision injects; istio-injection takes precedence when both are set.
  [REV, {}, {}, true],
  [REV, {}, INJECT('false'), false],
  [REV, INJECT('false'), {}, false],
  [{ 'istio.io/rev': 'canary' }, {}, {}, false],
  [{ ...REV, ...DISABLED }, {}, {}, false],
  [{ 'istio.io/rev': 'canary', ...ENABLED }, {}, {}, true],
];

test('sidecar injection follows Istio\'s namespace label and pod label/annotation rules', () => {
  for (const [ns, labels, annotations, injected] of ROWS) {
    assert.equal(sidecarInjected(ns, labels, annotations), injected,
      `namespace ${JSON.stringify(ns)}, pod labels ${JSON.stringify(labels)}, annotations ${JSON.stringify(annotations)}`);
  }
});
