// Number printing as Envoy's C++ does it: fmt's `{}` (shortest round-trip) and printf's `%g`.
// Stats output is compared byte for byte with Envoy's, so these follow the C++ rules exactly.

/** Splits a finite non-zero number's shortest (or fixed-digit) exponent form into digits and exponent. */
function expParts(s: string): { digits: string; exp: number } {
  const e = s.indexOf('e');
  const mant = s.slice(0, e).replace('-', '').replace('.', '');
  return { digits: mant, exp: Number(s.slice(e + 1)) };
}

function expSuffix(exp: number): string {
  const abs = Math.abs(exp);
  return `e${exp < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
}

/** Places `digits` (d.ddd × 10^exp) in fixed notation. */
function fixedFromDigits(digits: string, exp: number): string {
  if (exp < 0) return `0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return digits + '0'.repeat(exp + 1 - digits.length);
  return `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/** fmt's `{}` for a double: shortest round-trip digits, exponent form when exp < -4 or exp >= 16. */
export function fmtDouble(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const sign = v < 0 ? '-' : '';
  const { digits, exp } = expParts(Math.abs(v).toExponential());
  if (exp < -4 || exp >= 16) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return sign + mant + expSuffix(exp);
  }
  return sign + fixedFromDigits(digits, exp);
}

function stripZeros(s: string): string {
  if (!s.includes('.')) return s;
  return s.replace(/0+$/, '').replace(/\.$/, '');
}

/** printf's `%.<precision>g` (trailing zeros removed, as without `#`). */
export function formatG(v: number, precision = 6): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const p = precision === 0 ? 1 : precision;
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const sign = v < 0 ? '-' : '';
  const a = Math.abs(v);
  const exp = expParts(a.toExponential(p - 1)).exp;
  if (exp >= -4 && exp < p) return sign + stripZeros(a.toFixed(p - 1 - exp));
  const s = a.toExponential(p - 1);
  const e = s.indexOf('e');
  return sign + stripZeros(s.slice(0, e)) + expSuffix(exp);
}
