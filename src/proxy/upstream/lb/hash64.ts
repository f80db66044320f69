// The 64-bit string hashes Envoy uses for consistent hashing: xxHash64 (hash policies, ring and
// Maglev host keys) and libstdc++'s MurmurHash2 (ring hash MURMUR_HASH_2), on 32-bit word pairs.

// Every 64-bit value is a pair of 32-bit words (high, low), kept as int32 so the arithmetic stays
// in integer registers. The word helpers return the low word and leave the high word in H[0] (a
// typed array slot, not a variable: no number boxing on the hot path, and no BigInt).
const H = new Int32Array(1);

const TWO32 = 4294967296;

/** a * b mod 2^64. */
function mul(ah: number, al: number, bh: number, bl: number): number {
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  // al * bl in 16-bit limbs: the low word and the carry into the high word.
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const t = (p00 >>> 16) + (p10 & 0xffff) + (p01 & 0xffff);
  H[0] = a1 * b1 + (p10 >>> 16) + (p01 >>> 16) + (t >>> 16) + Math.imul(ah, bl) + Math.imul(al, bh);
  return (t << 16) | (p00 & 0xffff);
}

/** a + b mod 2^64. */
function add(ah: number, al: number, bh: number, bl: number): number {
  const lo = (al >>> 0) + (bl >>> 0);
  H[0] = ah + bh + (lo >= TWO32 ? 1 : 0);
  return lo | 0;
}

/** Rotate left by r (0 < r < 64). */
function rotl(h: number, l: number, r: number): number {
  if (r >= 32) {
    const t = h;
    h = l;
    l = t;
    r -= 32;
  }
  if (r === 0) {
    H[0] = h;
    return l;
  }
  H[0] = (h << r) | (l >>> (32 - r));
  return (l << r) | (h >>> (32 - r));
}

/** v ^ (v >> n), 0 < n < 64. */
function xorShift(h: number, l: number, n: number): number {
  if (n >= 32) {
    H[0] = h;
    return l ^ (h >>> (n - 32));
  }
  H[0] = h ^ (h >>> n);
  return l ^ ((l >>> n) | (h << (32 - n)));
}

/** Little-endian 32-bit word at b[p]. */
function read32(b: Uint8Array, p: number): number {
  return b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24);
}

// xxHash64's primes, as (high, low) words.
const P1H = 0x9e3779b1, P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d, P2L = 0x27d4eb4f;
const P3H = 0x165667b1, P3L = 0x9e3779f9;
const P4H = 0x85ebca77, P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f, P5L = 0x165667c5;
/** 2^64 - P1 (the initial v4 is seed - P1). */
const NP1H = 0x61c8864e, NP1L = 0x7a143579;

/** xxHash64's round: rotl(acc + input * P2, 31) * P1. */
function round(ah: number, al: number, ih: number, il: number): number {
  let l = mul(ih, il, P2H, P2L);
  l = add(ah, al, H[0], l);
  l = rotl(H[0], l, 31);
  return mul(H[0], l, P1H, P1L);
}

/** (acc ^ round(0, val)) * P1 + P4. */
function mergeRound(ah: number, al: number, vh: number, vl: number): number {
  const kl = round(0, 0, vh, vl);
  const l = mul(ah ^ H[0], al ^ kl, P1H, P1L);
  return add(H[0], l, P4H, P4L);
}

/** XXH64 of b[0, len) with a 64-bit seed; writes [high, low] into `out`. */
export function xxHash64Bytes(b: Uint8Array, len: number, seedHi: number, seedLo: number, out: Uint32Array): void {
  let p = 0;
  let h: number;
  let l: number;
  if (len >= 32) {
    let v1l = add(seedHi, seedLo, P1H, P1L);
    v1l = add(H[0], v1l, P2H, P2L);
    let v1h = H[0];
    let v2l = add(seedHi, seedLo, P2H, P2L);
    let v2h = H[0];
    let v3l = seedLo;
    let v3h = seedHi;
    let v4l = add(seedHi, seedLo, NP1H, NP1L);
    let v4h = H[0];
    const limit = len - 32;
    do {
      v1l = round(v1h, v1l, read32(b, p + 4), read32(b, p)); v1h = H[0];
      v2l = round(v2h, v2l, read32(b, p + 12), read32(b, p + 8)); v2h = H[0];
      v3l = round(v3h, v3l, read32(b, p + 20), read32(b, p + 16)); v3h = H[0];
      v4l = round(v4h, v4l, read32(b, p + 28), read32(b, p + 24)); v4h = H[0];
      p += 32;
    } while (p <= limit);
    l = rotl(v1h, v1l, 1);
    h = H[0];
    let tl = rotl(v2h, v2l, 7);
    l = add(h, l, H[0], tl); h = H[0];
    tl = rotl(v3h, v3l, 12);
    l = add(h, l, H[0], tl); h = H[0];
    tl = rotl(v4h, v4l, 18);
    l = add(h, l, H[0], tl); h = H[0];
    l = mergeRound(h, l, v1h, v1l); h = H[0];
    l = mergeRound(h, l, v2h, v2l); h = H[0];
    l = mergeRound(h, l, v3h, v3l); h = H[0];
    l = mergeRound(h, l, v4h, v4l); h = H[0];
  } else {
    l = add(seedHi, seedLo, P5H, P5L);
    h = H[0];
  }
  l = add(h, l, Math.floor(len / TWO32), len); h = H[0];
  while (p + 8 <= len) {
    const kl = round(0, 0, read32(b, p + 4), read32(b, p));
    l = rotl(h ^ H[0], l ^ kl, 27);
    l = mul(H[0], l, P1H, P1L);
    l = add(H[0], l, P4H, P4L); h = H[0];
    p += 8;
  }
  if (p + 4 <= len) {
    const kl = mul(0, read32(b, p), P1H, P1L);
    l = rotl(h ^ H[0], l ^ kl, 23);
    l = mul(H[0], l, P2H, P2L);
    l = add(H[0], l, P3H, P3L); h = H[0];
    p += 4;
  }
  while (p < len) {
    const kl = mul(0, b[p], P5H, P5L);
    l = rotl(h ^ H[0], l ^ kl, 11);
    l = mul(H[0], l, P1H, P1L); h = H[0];
    p++;
  }
  l = xorShift(h, l, 33);
  l = mul(H[0], l, P2H, P2L);
  l = xorShift(H[0], l, 29);
  l = mul(H[0], l, P3H, P3L);
  l = xorShift(H[0], l, 32);
  out[0] = H[0];
  out[1] = l;
}

// MurmurHash2, 64-bit, as libstdc++'s _Hash_bytes and Envoy's MurmurHash::murmurHash2.
const MH = 0xc6a4a793, ML = 0x5bd1e995;
/** Envoy's MurmurHash::STD_HASH_SEED. */
const MURMUR_SEED = 0xc70f6907;

/** MurmurHash2-64 of b[0, len) with Envoy's default seed; writes [high, low] into `out`. */
export function murmurHash2Bytes(b: Uint8Array, len: number, out: Uint32Array): void {
  let l = mul(Math.floor(len / TWO32), len, MH, ML);
  let h = H[0];
  l ^= MURMUR_SEED;
  const aligned = len & ~7;
  let p = 0;
  for (; p < aligned; p += 8) {
    let dl = mul(read32(b, p + 4), read32(b, p), MH, ML);
    dl = xorShift(H[0], dl, 47);
    dl = mul(H[0], dl, MH, ML);
    l = mul(h ^ H[0], l ^ dl, MH, ML); h = H[0];
  }
  const rest = len & 7;
  if (rest !== 0) {
    // The remaining bytes as a little-endian integer.
    let dh = 0;
    let dl = 0;
    for (let i = rest - 1; i >= 0; i--) {
      dh = (dh << 8) | (dl >>> 24);
      dl = (dl << 8) | b[p + i];
    }
    l = mul(h ^ dh, l ^ dl, MH, ML); h = H[0];
  }
  l = xorShift(h, l, 47);
  l = mul(H[0], l, MH, ML);
  l = xorShift(H[0], l, 47);
  out[0] = H[0];
  out[1] = l;
}

let scratch = new Uint8Array(256);

/** Copies `s` into the scratch buffer as bytes: one byte per char (latin1, as header values arrive), UTF-8 beyond. */
function bytesOf(s: string): number {
  const n = s.length;
  if (n * 3 > scratch.length) scratch = new Uint8Array(n * 3);
  const b = scratch;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) return Buffer.from(b.buffer, b.byteOffset, b.length).write(s, 0, 'utf8');
    b[i] = c;
  }
  return n;
}

/** XXH64 of a string (see bytesOf) with seed (seedHi, seedLo); writes [high, low] into `out`. */
export function xxHash64Into(s: string, seedHi: number, seedLo: number, out: Uint32Array): void {
  xxHash64Bytes(scratch, bytesOf(s), seedHi, seedLo, out);
}

/** MurmurHash2-64 of a string with Envoy's default seed; writes [high, low] into `out`. */
export function murmurHash2Into(s: string, out: Uint32Array): void {
  const len = bytesOf(s);
  murmurHash2Bytes(scratch, len, out);
}

/** The 64-bit value of a pair of unsigned 32-bit words. */
export function toBigInt(hi: number, lo: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

const tmp = new Uint32Array(2);

/** HashUtil::xxHash64(s, seed) as a bigint (config time and tests; the hot path uses xxHash64Into). */
export function xxHash64(s: string, seed = 0n): bigint {
  const sd = BigInt.asUintN(64, seed);
  xxHash64Into(s, Number(sd >> 32n), Number(sd & 0xffffffffn), tmp);
  return toBigInt(tmp[0], tmp[1]);
}

/** MurmurHash::murmurHash2(s) as a bigint. */
export function murmurHash2(s: string): bigint {
  murmurHash2Into(s, tmp);
  return toBigInt(tmp[0], tmp[1]);
}

/** (hi * 2^32 + lo) mod m, exact for m below 2^26. */
export function mod64(hi: number, lo: number, m: number): number {
  return ((hi % m) * (TWO32 % m) + (lo % m)) % m;
}
