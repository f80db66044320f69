// grpc-timeout header values: Envoy's parsing (units, 8 digits, sub-millisecond rounding up) and writing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGrpcTimeout, parseGrpcTimeout } from './grpc-timeout.js';

test('grpc-timeout values parse to ms; malformed ones are ignored', () => {
  const cases: [string | undefined, number | undefined][] = [
    ['1H', 3_600_000], ['2M', 120_000], ['3S', 3000], ['250m', 250], ['1500u', 2], ['1n', 1], ['0m', 0],
    ['99999999m', 99_999_999], ['100000000m', undefined], ['10', undefined], ['m', undefined], ['1.5S', undefined],
    ['-1S', undefined], ['5x', undefined], ['', undefined], [undefined, undefined],
  ];
  for (const [v, want] of cases) assert.equal(parseGrpcTimeout(v), want, String(v));
});

test('timeouts are written in ms, or a coarser unit past 8 digits', () => {
  assert.equal(formatGrpcTimeout(2000), '2000m');
  assert.equal(formatGrpcTimeout(99_999_999), '99999999m');
  assert.equal(formatGrpcTimeout(100_000_000), '100000S');
  assert.equal(parseGrpcTimeout(formatGrpcTimeout(123_456_789_000)), 123_456_780_000);
});
