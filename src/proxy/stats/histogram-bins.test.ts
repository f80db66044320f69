// Histogram bins and statistics against circllhist's arithmetic (values Envoy itself prints),
// plus the number formats used in stats output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ZERO_BIN, approxQuantiles, approxSum, binLower, binOfValue, binWidth, countsBelow, disjointCounts, sortedBins,
} from './histogram-bins.js';
import { fmtDouble, formatG } from './number-format.js';
import { Histogram, binOf } from './store.js';

test('integers fall in two-significant-digit bins', () => {
  assert.equal(binLower(binOfValue(1234)), 1200);
  assert.equal(binWidth(binOfValue(1234)), 100);
  assert.equal(binLower(binOfValue(5)), 5);
  assert.equal(binWidth(binOfValue(5)), 0.1);
  assert.equal(binLower(binOfValue(10)), 10);
  assert.equal(binWidth(binOfValue(10)), 1);
  assert.equal(binOfValue(0), ZERO_BIN);
  assert.equal(binOfValue(-3), ZERO_BIN);
  assert.equal(binOf(99.9), 99);
  assert.equal(binOf(0.5), 0.5);
  // (11/10) * 0.1 in floating point, exactly as circllhist computes the edge.
  assert.equal(binOf(0.11), 0.11000000000000001);
});

test('bin codes sort like their values', () => {
  const values = [0, 0.05, 0.5, 0.99, 1, 9.9, 10, 99, 100, 1e6];
  const codes = values.map(binOfValue);
  assert.deepEqual([...codes].sort((a, b) => a - b), codes);
});

test('quantiles interpolate inside the bin as Envoy does', () => {
  const h = new Histogram('h');
  h.record(10);
  const q = approxQuantiles(sortedBins(h.cumulative));
  assert.deepEqual(q.map(fmtDouble), ['10', '10.25', '10.5', '10.75', '10.9', '10.95', '10.99', '10.995', '10.999', '11']);
  assert.ok(approxQuantiles([]).every(Number.isNaN));
});

test('bucket counts use the bin upper edge (a 1 ms value is not below le=1)', () => {
  const h = new Histogram('h');
  for (const v of [0, 1, 4, 5, 700]) h.record(v);
  const bins = sortedBins(h.cumulative);
  const counts = countsBelow(bins, [0.5, 1, 5, 10, 1000]);
  assert.deepEqual(counts, [1, 1, 3, 4, 5]);
  assert.deepEqual(disjointCounts(counts), [1, 0, 2, 1, 1]);
  // Midpoints: 0, 1.05, 4.05, 5.05 and 705 (700 lies in [700, 710)).
  assert.equal(approxSum(bins), 0 + 1.05 + 4.05 + 5.05 + 705);
});

test('flushInterval keeps the completed interval for the admin', () => {
  const h = new Histogram('h');
  h.record(3);
  h.flushInterval();
  h.record(7);
  assert.deepEqual(sortedBins(h.lastInterval).map(([c, n]) => [binLower(c), n]), [[3, 1]]);
  assert.equal(sampleCountOf(h.cumulative), 2);
});

function sampleCountOf(m: Map<number, number>): number {
  let n = 0;
  for (const c of m.values()) n += c;
  return n;
}

test('fmt {} and printf %g formats', () => {
  assert.equal(fmtDouble(10.05), '10.05');
  assert.equal(fmtDouble(1e16), '1e+16');
  assert.equal(fmtDouble(1e-5), '1e-05');
  assert.equal(fmtDouble(123456), '123456');
  assert.equal(fmtDouble(NaN), 'nan');
  assert.equal(formatG(3600000), '3.6e+06');
  assert.equal(formatG(3600000, 32), '3600000');
  assert.equal(formatG(0.5, 32), '0.5');
  assert.equal(formatG(99.49999999999999), '99.5');
  assert.equal(formatG(0.1, 32), '0.10000000000000000555111512312578');
  assert.equal(formatG(1e-5), '1e-05');
  assert.equal(formatG(0.0001), '0.0001');
});
