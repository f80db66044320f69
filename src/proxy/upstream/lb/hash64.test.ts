// Hash function tests: xxHash64 against Envoy's test vectors and the reference library's outputs
// (every code path: short inputs, 4/8-byte tails, 32-byte stripes, seeds), MurmurHash2 against Envoy's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mod64, murmurHash2, xxHash64, xxHash64Bytes } from './hash64.js';

test('xxHash64 matches Envoy HashUtil::xxHash64 test vectors', () => {
  assert.equal(xxHash64(''), 17241709254077376921n);
  assert.equal(xxHash64(''), 0xef46db3751d8e999n);
  assert.equal(xxHash64('foo'), 3728699739546630719n);
  assert.equal(xxHash64('bar'), 5234164152756840025n);
  assert.equal(xxHash64('foo\nbar'), 8917841378505826757n);
  assert.equal(xxHash64('lyft'), 4400747396090729504n);
  // HashUtil::xxHash64(span{"foo", "bar"}): the first hash seeds the second.
  assert.equal(xxHash64('bar', xxHash64('foo')), 17745830980996999794n);
});

test('xxHash64 matches the reference XXH64 on long inputs and with seeds', () => {
  assert.equal(xxHash64('a'), 0xd24ec4f1a98c6e5bn);
  assert.equal(xxHash64('abc'), 0x44bc2cf5ad770999n);
  assert.equal(xxHash64('The quick brown fox jumps over the lazy dog'), 0x0b242d361fda71bcn);
  assert.equal(xxHash64('0123456789abcdef0123456789abcdef'), 7217744722875508421n);
  assert.equal(xxHash64('0123456789abcdef0123456789abcdef0123456789abcdef012345678'), 8660391929303058396n);
  assert.equal(xxHash64('127.0.0.1:90', 1n), 1521841302816948213n);
  // Bytes 0, 1, 2 ... of lengths that end in every tail shape, with seed 0 and seed PRIME64_1
  // (outputs of libxxhash 0.8).
  const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
  const vectors: [number, bigint, bigint][] = [
    [31, 14071165763202158305n, 11801098126642347681n],
    [32, 14696824831085589172n, 13813636198844253340n],
    [33, 888155921178136237n, 8083445285330043069n],
    [35, 17925649069634271875n, 3045515068809941395n],
    [39, 46046374822258777n, 7411916893047449672n],
    [40, 17715543491017654761n, 17790533024089998134n],
    [63, 16315039391072357967n, 13275452786624499789n],
    [64, 17854084224570037232n, 2307745614090424148n],
    [65, 14059875451936196187n, 4486028489119313201n],
    [100, 7692681977284421015n, 11131292760667526n],
    [255, 1116214654602499731n, 2797853068116545076n],
    [256, 2282408585429094475n, 832400662734483262n],
  ];
  const out = new Uint32Array(2);
  for (const [len, plain, seeded] of vectors) {
    xxHash64Bytes(bytes, len, 0, 0, out);
    assert.equal((BigInt(out[0]) << 32n) | BigInt(out[1]), plain, `length ${len}`);
    xxHash64Bytes(bytes, len, 0x9e3779b1, 0x85ebca87, out);
    assert.equal((BigInt(out[0]) << 32n) | BigInt(out[1]), seeded, `length ${len}, seeded`);
  }
});

test('strings hash as their bytes: one byte per char up to 0xff (as header values arrive), UTF-8 beyond', () => {
  const latin1 = String.fromCharCode(0xc3, 0xa9);
  // "é" sent as UTF-8 arrives in a header as the two chars 0xc3 0xa9 and must hash as those two bytes.
  const out = new Uint32Array(2);
  xxHash64Bytes(Uint8Array.from([0xc3, 0xa9]), 2, 0, 0, out);
  assert.equal(xxHash64(latin1), (BigInt(out[0]) << 32n) | BigInt(out[1]));
  assert.equal(xxHash64('\u20ac'), xxHash64(String.fromCharCode(0xe2, 0x82, 0xac)));
});

test('MurmurHash2 matches Envoy MurmurHash::murmurHash2 test vectors', () => {
  assert.equal(murmurHash2('foo'), 9631199822919835226n);
  assert.equal(murmurHash2('bar'), 11474628671133349555n);
  assert.equal(murmurHash2('foo\nbar'), 16306510975912980159n);
  assert.equal(murmurHash2('lyft'), 12847078931730529320n);
  assert.equal(murmurHash2(''), 6142509188972423790n);
});

test('mod64 equals the 64-bit remainder', () => {
  const cases: [number, number, number][] = [[0xffffffff, 0xffffffff, 65537], [0x12345678, 0x9abcdef0, 5000011],
    [0, 10, 7], [0xffffffff, 0xfffffff5, 7], [1, 0, 100]];
  for (const [hi, lo, m] of cases) {
    assert.equal(BigInt(mod64(hi, lo, m)), ((BigInt(hi) << 32n) | BigInt(lo)) % BigInt(m));
  }
});
