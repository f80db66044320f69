// Tag extraction as Envoy's TagProducerImpl: turns `cluster.foo.upstream_rq_200` into the
// tag-extracted name `cluster.upstream_rq` plus tags, for Prometheus names and labels.
import {
  DEFAULT_REGEX_DESCRIPTORS, DEFAULT_TOKEN_DESCRIPTORS, type RegexDescriptor, type TokenDescriptor,
} from './well-known-tags.js';

/** One tag of a stat. */
export interface Tag {
  name: string;
  value: string;
}

/** A stat name split into its tag-extracted name and tags (in extraction order). */
export interface ExtractedName {
  name: string;
  tags: Tag[];
}

/** A character range [start, end) to cut from the stat name. */
type Cut = [number, number];

interface Extractor {
  readonly name: string;
  /** The first token a stat must have for this extractor to run ('' = every stat). */
  readonly prefix: string;
  extract(statName: string, tokens: string[], tags: Tag[], cuts: Cut[]): boolean;
}

/** Envoy's extractRegexPrefix: `^word\.` (or `^word$`) lets the extractor be indexed by `word`. */
function regexPrefix(regex: string): string {
  if (!regex.startsWith('^')) return '';
  for (let i = 1; i < regex.length; i++) {
    const ch = regex[i];
    if (/[A-Za-z0-9_]/.test(ch)) continue;
    if (i > 1) {
      const last = i === regex.length - 1;
      const rest = regex.slice(i);
      if ((!last && (rest.startsWith('\\.') || rest.startsWith('(?=\\.)'))) || (last && ch === '$')) {
        return regex.slice(1, i);
      }
    }
    return '';
  }
  return '';
}

/** A regex extractor (Envoy's TagExtractorRe2Impl / StdRegexImpl). */
class RegexExtractor implements Extractor {
  readonly prefix: string;
  private readonly re: RegExp;
  private readonly groups: number;

  constructor(readonly name: string, regex: string, private readonly substr = '', private readonly negative = '') {
    this.prefix = regexPrefix(regex);
    try {
      this.re = new RegExp(regex, 'd');
    } catch (e) {
      throw new Error(`Invalid regex '${regex}': ${(e as Error).message}`);
    }
    this.groups = new RegExp(`${regex}|`).exec('')!.length - 1;
    if (this.groups < 1) throw new Error(`No capture in regex specifier: '${regex}'`);
  }

  extract(statName: string, _tokens: string[], tags: Tag[], cuts: Cut[]): boolean {
    if (this.substr !== '' && !statName.includes(this.substr)) return false;
    const m = this.re.exec(statName);
    if (m === null || m[1] === undefined || m[1] === '') return false;
    const value = this.groups > 1 && m[2] !== undefined && m[2] !== '' ? m[2] : m[1];
    if (this.negative !== '' && value === this.negative) return false;
    tags.push({ name: this.name, value });
    cuts.push(m.indices![1] as Cut);
    return true;
  }
}

/** A token-pattern extractor (Envoy's TagExtractorTokensImpl). */
class TokenExtractor implements Extractor {
  readonly prefix: string;
  private readonly pattern: string[];
  private readonly matchIndex: number;

  constructor(readonly name: string, pattern: string) {
    this.pattern = pattern.split('.');
    this.matchIndex = Math.max(0, this.pattern.indexOf('$'));
    const first = this.pattern[0];
    this.prefix = first === '$' || first === '*' || first === '**' ? '' : first;
  }

  extract(_statName: string, tokens: string[], tags: Tag[], cuts: Cut[]): boolean {
    const found = { start: 0, index: tokens.length };
    if (!this.search(tokens, 0, 0, 0, found)) return false;
    const value = tokens[found.index];
    let start = found.start;
    let end = start + value.length;
    // Remove the dot on one side of the value, so the remaining name stays well formed.
    if (found.index < tokens.length - 1) end++;
    else if (start > 0) start--;
    tags.push({ name: this.name, value });
    cuts.push([start, end]);
    return true;
  }

  private search(tokens: string[], ii: number, pi: number, charIndex: number, found: { start: number; index: number }): boolean {
    const pat = this.pattern;
    for (; ii < tokens.length && pi < pat.length; ii++, pi++) {
      if (pi === this.matchIndex) {
        found.start = charIndex;
        found.index = ii;
      } else {
        const expected = pat[pi];
        if (expected === '**') {
          if (pi === pat.length - 1) return true;
          pi++;
          for (; ii < tokens.length; ii++) {
            if (this.search(tokens, ii, pi, charIndex, found)) return true;
            charIndex += tokens[ii].length + 1;
          }
          return false;
        }
        if (expected !== '*' && expected !== tokens[ii]) return false;
      }
      charIndex += tokens[ii].length + 1;
    }
    return pi === pat.length && ii === tokens.length;
  }
}

/** A tag with a fixed value added to every stat (stats_tags fixed_value, --stats-tag). */
class FixedExtractor implements Extractor {
  readonly prefix = '';
  constructor(readonly name: string, private readonly value: string) {}
  extract(_s: string, _t: string[], tags: Tag[]): boolean {
    tags.push({ name: this.name, value: this.value });
    return true;
  }
}

/** The tag parts of bootstrap `stats_config` (camelCase, as the generated protos give it). */
export interface StatsTagsConfig {
  /** Default true: use Envoy's default extractors. */
  useAllDefaultTags?: boolean;
  statsTags?: readonly { tagName: string; tagValue: { case: 'regex' | 'fixedValue'; value: string } | { case: undefined; value?: undefined } }[];
}

/** Builds tag-extracted names and tags for stat names, as Envoy's TagProducerImpl. */
export class TagProducer {
  private readonly withoutPrefix: Extractor[] = [];
  private readonly byPrefix = new Map<string, Extractor[]>();
  private readonly multiple = new Set<string>();
  private readonly seen = new Set<string>();

  /** Throws Error with Envoy's message on a bad tag specifier. */
  constructor(config: StatsTagsConfig = {}, cliTags: readonly Tag[] = []) {
    if (config.useAllDefaultTags !== false) {
      for (const d of DEFAULT_REGEX_DESCRIPTORS) this.addRegex(d);
      for (const d of DEFAULT_TOKEN_DESCRIPTORS) this.addTokens(d);
    }
    for (const t of cliTags) this.add(new FixedExtractor(t.name, t.value));
    for (const spec of config.statsTags ?? []) {
      const v = spec.tagValue;
      if (v.case === 'fixedValue') this.add(new FixedExtractor(spec.tagName, v.value));
      else if (v.case === 'regex' && v.value !== '') this.add(new RegexExtractor(spec.tagName, v.value));
      else if (!this.addDefaultsNamed(spec.tagName)) {
        throw new Error(`No regex specified for tag specifier and no default regex for name: '${spec.tagName}'`);
      }
    }
  }

  private addRegex(d: RegexDescriptor): void {
    this.add(new RegexExtractor(d.name, d.regex, d.substr, d.negativeMatch));
  }

  private addTokens(d: TokenDescriptor): void {
    this.add(new TokenExtractor(d.name, d.pattern));
  }

  private addDefaultsNamed(name: string): boolean {
    let n = 0;
    for (const d of DEFAULT_REGEX_DESCRIPTORS) if (d.name === name) (this.addRegex(d), n++);
    for (const d of DEFAULT_TOKEN_DESCRIPTORS) if (d.name === name) (this.addTokens(d), n++);
    return n > 0;
  }

  private add(e: Extractor): void {
    if (this.seen.has(e.name)) this.multiple.add(e.name);
    this.seen.add(e.name);
    if (e.prefix === '') this.withoutPrefix.push(e);
    else {
      const list = this.byPrefix.get(e.prefix);
      if (list) list.push(e);
      else this.byPrefix.set(e.prefix, [e]);
    }
  }

  /** Splits a stat name into its tag-extracted name and tags (not cached: see PrometheusNamer). */
  produceTags(statName: string): ExtractedName {
    const tags: Tag[] = [];
    const cuts: Cut[] = [];
    const tokens = statName.split('.');
    const done = new Set<string>();
    const run = (e: Extractor): void => {
      const many = this.multiple.has(e.name);
      if (many && done.has(e.name)) return;
      if (e.extract(statName, tokens, tags, cuts) && many) done.add(e.name);
    };
    for (const e of this.withoutPrefix) run(e);
    const dot = statName.indexOf('.');
    if (dot >= 0) for (const e of this.byPrefix.get(statName.slice(0, dot)) ?? []) run(e);
    return { name: cutRanges(statName, cuts), tags };
  }
}

function cutRanges(s: string, cuts: Cut[]): string {
  if (cuts.length === 0) return s;
  cuts.sort((a, b) => a[0] - b[0]);
  let out = '';
  let pos = 0;
  for (const [start, end] of cuts) {
    if (start > pos) out += s.slice(pos, start);
    pos = Math.max(pos, end);
  }
  return out + s.slice(pos);
}
