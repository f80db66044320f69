// strip_any_host_port: the port leaves :authority (names, IPv4, bracketed IPv6), other forms are untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripHostPort } from './request-headers.js';

test('stripHostPort drops a numeric port and nothing else', () => {
  assert.equal(stripHostPort('webapp.istioinaction.io:8443'), 'webapp.istioinaction.io');
  assert.equal(stripHostPort('10.0.0.1:80'), '10.0.0.1');
  assert.equal(stripHostPort('[::1]:8080'), '[::1]');
  assert.equal(stripHostPort('[::1]'), '[::1]');
  assert.equal(stripHostPort('::1'), '::1');
  assert.equal(stripHostPort('host'), 'host');
  assert.equal(stripHostPort('host:abc'), 'host:abc');
});
