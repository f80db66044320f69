// Envoy's FractionalPercent (a numerator over 100, 10 000 or 1 000 000), compiled once and sampled
// with one random draw per check, optionally overridden by a runtime key. Shared by the fault and
// local rate limit filters.
import { FractionalPercent_DenominatorType, type FractionalPercent } from '../../../../xds/gen/envoy/type/v3/percent_pb.js';
import type { RuntimeFractionalPercent } from '../../../../xds/gen/envoy/config/core/v3/base_pb.js';
import { runtime } from '../../../runtime/runtime.js';

/** The number a FractionalPercent denominator stands for. */
export function denominatorOf(d: FractionalPercent_DenominatorType): number {
  if (d === FractionalPercent_DenominatorType.TEN_THOUSAND) return 10_000;
  if (d === FractionalPercent_DenominatorType.MILLION) return 1_000_000;
  return 100;
}

/** A compiled FractionalPercent: `numerator` chances in `denominator`. */
export class Fraction {
  constructor(readonly numerator: number, readonly denominator: number) {}

  /** Compiles a proto; an unset one is Envoy's default instance, 0/100 (never). */
  static of(p: FractionalPercent | undefined): Fraction {
    return p === undefined ? NEVER : new Fraction(p.numerator, denominatorOf(p.denominator));
  }

  /** Envoy's featureEnabled with no runtime override: a random bucket below the numerator. */
  sample(random: () => number): boolean {
    return sampleFraction(this.numerator, this.denominator, random);
  }
}

/** Samples `numerator` in `denominator` (numerators at or above the denominator always win). */
export function sampleFraction(numerator: number, denominator: number, random: () => number): boolean {
  if (numerator >= denominator) return true;
  if (numerator <= 0) return false;
  return Math.floor(random() * denominator) < numerator;
}

/** 0/100: what an unset percentage means in Envoy. */
export const NEVER = new Fraction(0, 100);

/** A RuntimeFractionalPercent: the runtime key's value when set, else the default fraction. */
export class RuntimeFraction {
  constructor(readonly key: string, readonly fallback: Fraction) {}

  static of(p: RuntimeFractionalPercent): RuntimeFraction {
    return new RuntimeFraction(p.runtimeKey, Fraction.of(p.defaultValue));
  }

  sample(random: () => number): boolean {
    return runtime.featureEnabled(this.key, this.fallback.numerator, this.fallback.denominator, random);
  }
}
