// strftime-style time rendering for %START_TIME(...)% (UTC), compiled once per format string.
// Adds Envoy's specifiers: %s (epoch seconds), %f / %1f..%9f (fraction of a second), %E<n>S.
import { AccessLogConfigError } from './errors.js';

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September',
  'October', 'November', 'December'];

/** Envoy's check: a time format must not be able to produce a newline (it may end up in a header). */
const NEWLINE_SPEC = /%[-_0^#]*[1-9]*(E|O)?n/;

/** Composite specifiers, expanded while compiling (C locale). */
const COMPOSITE: Record<string, string> = {
  D: '%m/%d/%y', F: '%Y-%m-%d', T: '%H:%M:%S', R: '%H:%M', r: '%I:%M:%S %p', c: '%a %b %e %H:%M:%S %Y',
  x: '%m/%d/%y', X: '%H:%M:%S', h: '%b',
};

/** Specifiers that depend only on the whole second (their output is cached per second). */
const SECOND_SPECS = 'YmdHMSyCjaAbBeklIpuwzZsnt';

/** A sub-second field: `digits` of the fraction, with a leading '.' when `dot`. */
interface FractionSpec {
  digits: number;
  dot: boolean;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

function pad3(n: number): string {
  return n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`;
}

function space2(n: number): string {
  return n < 10 ? ` ${n}` : `${n}`;
}

function dayOfYear(d: Date): number {
  const start = Date.UTC(d.getUTCFullYear(), 0, 1);
  return Math.floor((d.getTime() - start) / 86400000) + 1;
}

/** One second-level specifier's text for `d` (UTC). */
function renderSpec(spec: string, d: Date): string {
  switch (spec) {
    case 'Y': return `${d.getUTCFullYear()}`;
    case 'm': return pad2(d.getUTCMonth() + 1);
    case 'd': return pad2(d.getUTCDate());
    case 'e': return space2(d.getUTCDate());
    case 'H': return pad2(d.getUTCHours());
    case 'k': return space2(d.getUTCHours());
    case 'I': return pad2(d.getUTCHours() % 12 || 12);
    case 'l': return space2(d.getUTCHours() % 12 || 12);
    case 'p': return d.getUTCHours() < 12 ? 'AM' : 'PM';
    case 'M': return pad2(d.getUTCMinutes());
    case 'S': return pad2(d.getUTCSeconds());
    case 'y': return pad2(d.getUTCFullYear() % 100);
    case 'C': return pad2(Math.floor(d.getUTCFullYear() / 100));
    case 'j': return pad3(dayOfYear(d));
    case 'a': return DAYS[d.getUTCDay()].slice(0, 3);
    case 'A': return DAYS[d.getUTCDay()];
    case 'b': return MONTHS[d.getUTCMonth()].slice(0, 3);
    case 'B': return MONTHS[d.getUTCMonth()];
    case 'u': return `${d.getUTCDay() || 7}`;
    case 'w': return `${d.getUTCDay()}`;
    case 'z': return '+0000';
    case 'Z': return 'UTC';
    case 's': return `${Math.floor(d.getTime() / 1000)}`;
    case 'n': return '\n';
    case 't': return '\t';
    default: return '';
  }
}

/** A second-level specifier inside a run (literals are plain strings). */
class Spec {
  constructor(readonly c: string) {}
}

/**
 * A compiled time format. `format(epochMs)` renders it in UTC; the parts that depend only on
 * the second are cached, so consecutive requests in the same second cost one concatenation.
 */
export class TimeFormat {
  /** Second-level runs, separated by the sub-second fields: runs.length === fractions.length + 1. */
  private readonly runs: (string | Spec)[][] = [[]];
  private readonly fractions: FractionSpec[] = [];
  private cachedSecond = Number.NaN;
  private readonly cachedRuns: string[] = [''];
  private readonly date = new Date(0);

  constructor(readonly pattern: string) {
    if (NEWLINE_SPEC.test(pattern)) {
      throw new AccessLogConfigError('Invalid header configuration. Format string contains newline.');
    }
    this.compile(pattern);
  }

  private get run(): (string | Spec)[] {
    return this.runs[this.runs.length - 1];
  }

  private addLiteral(s: string): void {
    const run = this.run;
    if (run.length > 0 && typeof run[run.length - 1] === 'string') run[run.length - 1] += s;
    else run.push(s);
  }

  private addFraction(f: FractionSpec): void {
    this.fractions.push(f);
    this.runs.push([]);
    this.cachedRuns.push('');
  }

  private compile(pattern: string): void {
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i];
      if (c !== '%' || i + 1 >= pattern.length) {
        this.addLiteral(c);
        continue;
      }
      const next = pattern[i + 1];
      if (next >= '1' && next <= '9' && pattern[i + 2] === 'f') {
        this.addFraction({ digits: Number(next), dot: false });
        i += 2;
      } else if (next === 'f') {
        this.addFraction({ digits: 9, dot: false });
        i += 1;
      } else if (next === 'E' && pattern[i + 2] >= '0' && pattern[i + 2] <= '9' && pattern[i + 3] === 'S') {
        // absl's %E<n>S: seconds with n fractional digits.
        this.run.push(new Spec('S'));
        const n = Number(pattern[i + 2]);
        if (n > 0) this.addFraction({ digits: n, dot: true });
        i += 3;
      } else if (next === 'E' && pattern[i + 2] === 'z') {
        this.addLiteral('+00:00');
        i += 2;
      } else if (next === '%') {
        this.addLiteral('%');
        i += 1;
      } else if (COMPOSITE[next] !== undefined) {
        // The composites expand to second-level specifiers and literals only.
        const expansion = COMPOSITE[next];
        for (let k = 0; k < expansion.length; k++) {
          if (expansion[k] === '%') this.run.push(new Spec(expansion[++k]));
          else this.addLiteral(expansion[k]);
        }
        i += 1;
      } else if (SECOND_SPECS.includes(next)) {
        this.run.push(new Spec(next));
        i += 1;
      } else {
        // Unknown specifier: kept as written.
        this.addLiteral(`%${next}`);
        i += 1;
      }
    }
  }

  /** Renders `epochMs` (may carry a sub-millisecond fraction) in UTC. */
  format(epochMs: number): string {
    const second = Math.floor(epochMs / 1000);
    if (second !== this.cachedSecond) this.fillCache(second);
    const runs = this.cachedRuns;
    const fractions = this.fractions;
    if (fractions.length === 0) return runs[0];
    const nanos = Math.min(999999999, Math.max(0, Math.round((epochMs - second * 1000) * 1e6)));
    const nineDigits = `${nanos}`.padStart(9, '0');
    let out = runs[0];
    for (let i = 0; i < fractions.length; i++) {
      const f = fractions[i];
      out += f.dot ? `.${nineDigits.slice(0, f.digits)}` : nineDigits.slice(0, f.digits);
      out += runs[i + 1];
    }
    return out;
  }

  private fillCache(second: number): void {
    this.cachedSecond = second;
    const d = this.date;
    d.setTime(second * 1000);
    for (let r = 0; r < this.runs.length; r++) {
      let s = '';
      for (const item of this.runs[r]) s += typeof item === 'string' ? item : renderSpec(item.c, d);
      this.cachedRuns[r] = s;
    }
  }
}

/** Envoy's default START_TIME rendering: `2016-04-15T20:17:00.310Z`. */
export const DEFAULT_TIME_PATTERN = '%Y-%m-%dT%H:%M:%S.%3fZ';
