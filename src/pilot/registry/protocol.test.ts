// Protocol selection table: port-name prefixes, appProtocol precedence, L4 UDP/SCTP and
// ServiceEntry protocol names, against Istio's documented rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kubePortProtocol, parseProtocol, protocolFromPortName } from './protocol.js';

test('port name prefixes: <protocol> or <protocol>-<suffix>, case-insensitive', () => {
  const table: [string, string][] = [
    ['http', 'HTTP'], ['http-web', 'HTTP'], ['HTTP', 'HTTP'], ['http2', 'HTTP2'], ['http2-api', 'HTTP2'],
    ['https', 'HTTPS'], ['https-admin', 'HTTPS'], ['grpc', 'GRPC'], ['grpc-api', 'GRPC'],
    ['grpc-web', 'GRPC-Web'], ['grpc-web-ui', 'GRPC-Web'], ['mongo', 'Mongo'], ['mongo-db', 'Mongo'],
    ['mysql', 'MySQL'], ['redis-cache', 'Redis'], ['tcp', 'TCP'], ['tcp-echo', 'TCP'], ['tls', 'TLS'],
    ['tls-passthrough', 'TLS'], ['udp', 'UDP'],
    // not a prefix match: Istio splits on the first dash
    ['httpx', 'Unsupported'], ['web-http', 'Unsupported'], ['', 'Unsupported'], ['metrics', 'Unsupported'],
    ['http_web', 'Unsupported'],
  ];
  for (const [name, want] of table) assert.equal(protocolFromPortName(name), want, name);
});

test('appProtocol takes precedence over the port name; unknown appProtocol falls back to the name', () => {
  assert.equal(kubePortProtocol('tcp-x', 'TCP', 'http'), 'HTTP');
  assert.equal(kubePortProtocol('http', 'TCP', 'grpc'), 'GRPC');
  assert.equal(kubePortProtocol('web', 'TCP', 'kubernetes.io/h2c'), 'HTTP2');
  assert.equal(kubePortProtocol('web', 'TCP', 'kubernetes.io/ws'), 'HTTP');
  assert.equal(kubePortProtocol('http', 'TCP', 'something-else'), 'HTTP');
  assert.equal(kubePortProtocol('web', 'TCP', 'something-else'), 'Unsupported');
});

test('L4 UDP and SCTP win over names; a missing protocol is TCP', () => {
  assert.equal(kubePortProtocol('http', 'UDP'), 'UDP');
  assert.equal(kubePortProtocol('http', 'SCTP'), 'SCTP');
  assert.equal(kubePortProtocol('http', undefined), 'HTTP');
  assert.equal(kubePortProtocol(undefined, 'TCP'), 'Unsupported');
});

test('ServiceEntry protocol names parse case-insensitively; unknown is Unsupported (sniffed)', () => {
  assert.equal(parseProtocol('HTTP'), 'HTTP');
  assert.equal(parseProtocol('https'), 'HTTPS');
  assert.equal(parseProtocol('TLS'), 'TLS');
  assert.equal(parseProtocol('GRPC-Web'), 'GRPC-Web');
  assert.equal(parseProtocol('HTTP_PROXY'), 'HTTP_PROXY');
  assert.equal(parseProtocol('foo'), 'Unsupported');
  assert.equal(parseProtocol(undefined), 'Unsupported');
});
