// Unit tests of the lazily refilled token bucket on a fake clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucket } from './token-bucket.js';

function clock(): { now: () => number; advance(ms: number): void } {
  let t = 1000;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
}

test('a bucket starts full and empties one token per request', () => {
  const c = clock();
  const b = new TokenBucket(3, 1, 1000, c.now);
  assert.equal(b.remaining(), 3);
  assert.deepEqual([b.consume(), b.consume(), b.consume(), b.consume()], [true, true, true, false]);
  assert.equal(b.remaining(), 0);
});

test('tokens come back at tokens_per_fill per fill_interval, never above max_tokens', () => {
  const c = clock();
  const b = new TokenBucket(4, 2, 1000, c.now);
  for (let i = 0; i < 4; i++) assert.equal(b.consume(), true);
  assert.equal(b.consume(), false);
  c.advance(499);
  assert.equal(b.consume(), false, 'under one token after 499 ms');
  c.advance(1);
  assert.equal(b.consume(), true, 'one token after half an interval');
  assert.equal(b.consume(), false);
  c.advance(1000);
  assert.equal(b.remaining(), 2);
  c.advance(60_000);
  assert.equal(b.remaining(), 4, 'capped at max_tokens');
});

test('many small refills add up to whole tokens', () => {
  const c = clock();
  const b = new TokenBucket(1, 1, 100, c.now);
  assert.equal(b.consume(), true);
  for (let i = 0; i < 10; i++) {
    c.advance(10);
    b.remaining();
  }
  assert.equal(b.consume(), true);
});
