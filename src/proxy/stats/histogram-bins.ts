// Envoy's histogram buckets (libcircllhist): two significant digits per bin, and the statistics
// Envoy derives from them (quantiles, bucket counts, approximate sum), with the same arithmetic.

/** A bin is `val/10 × 10^exp` wide `10^exp/10`; its code is `exp*100 + val` (val in 10..99), ordered like values. */
export type BinCode = number;

/** The bin holding zero (and anything not positive). Sorts before every other code. */
export const ZERO_BIN: BinCode = -20000;

/** Envoy's supported quantiles (`P0 ... P100`). */
export const SUPPORTED_QUANTILES: readonly number[] = [0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 1];

/** Envoy's default histogram buckets (stats_config.histogram_bucket_settings overrides them). */
export const DEFAULT_BUCKETS: readonly number[] = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
  30000, 60000, 300000, 600000, 1800000, 3600000];

/** Powers of ten as C literals (circllhist's power_of_ten table), indexed by exp + 128. */
const POW10: number[] = Array.from({ length: 256 }, (_, i) => Number(`1e${i - 128}`));

function pow10(exp: number): number {
  return POW10[exp + 128];
}

/** The bin of a recorded value (circllhist's int_scale / double_to_hist_bucket). */
export function binOfValue(v: number): BinCode {
  if (!(v > 0) || !Number.isFinite(v)) return ZERO_BIN;
  let val: number;
  let exp: number;
  if (Number.isInteger(v) && v < 2 ** 53) {
    val = v;
    exp = 1;
    if (val < 10) {
      val *= 10;
      exp -= 1;
    }
    while (val >= 100) {
      val = Math.floor(val / 10);
      exp++;
    }
  } else {
    exp = Math.floor(Math.log10(v));
    if (exp < -128) return ZERO_BIN;
    if (exp > 127) exp = 127;
    // The epsilon is circllhist's guard against rounding just below a bin edge (0.11 -> 11).
    val = Math.floor((v / pow10(exp)) * 10 + 1e-13);
    if (val >= 100) {
      val = Math.floor(val / 10);
      exp++;
    } else if (val < 10) {
      val = 10;
    }
  }
  return exp * 100 + val;
}

/** Lower edge of a bin. */
export function binLower(code: BinCode): number {
  if (code === ZERO_BIN) return 0;
  const exp = Math.floor(code / 100);
  return ((code - exp * 100) / 10) * pow10(exp);
}

/** Width of a bin (0 for the zero bin). */
export function binWidth(code: BinCode): number {
  if (code === ZERO_BIN) return 0;
  return pow10(Math.floor(code / 100)) / 10;
}

/** Bins as ascending [code, count] pairs. */
export type Bins = readonly (readonly [BinCode, number])[];

/** Sorts a bin map into ascending pairs. */
export function sortedBins(map: ReadonlyMap<BinCode, number>): [BinCode, number][] {
  return [...map.entries()].sort((a, b) => a[0] - b[0]);
}

/** Number of recorded values. */
export function sampleCount(bins: Bins): number {
  let n = 0;
  for (const [, c] of bins) n += c;
  return n;
}

/** hist_approx_sum: each value counted at its bin's midpoint. */
export function approxSum(bins: Bins): number {
  let sum = 0;
  for (const [code, c] of bins) sum += (binLower(code) + binWidth(code) / 2) * c;
  return sum;
}

/** hist_approx_quantile over `qs` (ascending, 0..1); NaN for each when empty. */
export function approxQuantiles(bins: Bins, qs: readonly number[] = SUPPORTED_QUANTILES): number[] {
  const total = sampleCount(bins);
  if (total === 0) return qs.map(() => NaN);
  const out = qs.map((q) => q * total);
  let ib = 0;
  while (ib < bins.length && bins[ib][1] === 0) ib++;
  if (ib === bins.length) return qs.map(() => NaN);
  let lowerCnt = 0;
  let upperCnt = bins[ib][1];
  let left = binLower(bins[ib][0]);
  let width = binWidth(bins[ib][0]);
  for (let iq = 0; iq < out.length; iq++) {
    while (ib < bins.length - 1 && upperCnt < out[iq]) {
      ib++;
      left = binLower(bins[ib][0]);
      width = binWidth(bins[ib][0]);
      lowerCnt = upperCnt;
      upperCnt = lowerCnt + bins[ib][1];
    }
    if (lowerCnt === out[iq]) out[iq] = left;
    else if (upperCnt === out[iq]) out[iq] = left + width;
    else if (width === 0) out[iq] = left;
    else out[iq] = left + ((out[iq] - lowerCnt) / (upperCnt - lowerCnt)) * width;
  }
  return out;
}

/** hist_approx_count_below per bucket: values in bins whose upper edge is <= the bucket bound. */
export function countsBelow(bins: Bins, buckets: readonly number[] = DEFAULT_BUCKETS): number[] {
  const out = new Array<number>(buckets.length);
  for (let i = 0; i < buckets.length; i++) {
    let n = 0;
    for (const [code, c] of bins) {
      if (binLower(code) + binWidth(code) <= buckets[i]) n += c;
      else break;
    }
    out[i] = n;
  }
  return out;
}

/** Envoy's computeDisjointBuckets: per-bucket counts instead of running totals. */
export function disjointCounts(cumulative: readonly number[]): number[] {
  return cumulative.map((c, i) => (i === 0 ? c : c - cumulative[i - 1]));
}
